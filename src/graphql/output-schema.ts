import Ajv, { type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** One problem with an operator-supplied output; `field` is the top-level property, '' for the whole output. */
export interface OutputFieldError {
  field: string;
  message: string;
}

/**
 * Checks what an operator supplies when skipping a step against the step's declared output
 * schema (JSON Schema); returns the problems per field (a form can show each next to its input),
 * or null when it fits.
 */
export function outputFieldErrors(schema: Record<string, unknown> | undefined, output: Record<string, unknown> | undefined): OutputFieldError[] | null {
  if (!schema) return null;
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(output ?? {})) return null;
  return (validate.errors ?? []).map((e) => {
    const missing = e.keyword === 'required' ? String((e.params as { missingProperty?: string }).missingProperty ?? '') : '';
    const field = missing || e.instancePath.split('/')[1] || '';
    return { field, message: `${e.instancePath || 'output'} ${e.message ?? 'is invalid'}` };
  });
}
