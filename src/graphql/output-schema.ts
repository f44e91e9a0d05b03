import Ajv, { type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Checks what an operator supplies when skipping a step against the step's declared output
 * schema (JSON Schema); returns the problems, or null when it fits.
 */
export function outputProblems(schema: Record<string, unknown> | undefined, output: Record<string, unknown> | undefined): string | null {
  if (!schema) return null;
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(output ?? {})) return null;
  return (validate.errors ?? []).map((e) => `${e.instancePath || 'output'} ${e.message ?? 'is invalid'}`).join('; ');
}
