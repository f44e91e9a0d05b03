import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Checks what an operator supplies when skipping a step against the step's declared output
 * schema (JSON Schema: types, formats, required fields, no extra properties); returns one
 * `field: problem` per error, or null when it fits. The core then applies the step's own rules.
 */
export function skipOutputProblems(schema: Record<string, unknown> | undefined, output: Record<string, unknown> | undefined): string | null {
  if (!schema) return null;
  let validate = compiled.get(schema);
  if (!validate) {
    // Only what the step produces: a schema that says nothing about extra properties forbids them.
    validate = ajv.compile({ additionalProperties: false, ...schema });
    compiled.set(schema, validate);
  }
  if (validate(output ?? {})) return null;
  return (validate.errors ?? []).map(describe).join('; ');
}

function describe(e: ErrorObject): string {
  const field = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty: string }).additionalProperty);
    return `${field ? `${field}.` : ''}${extra}: not produced by this step`;
  }
  if (e.keyword === 'required') return `${(e.params as { missingProperty: string }).missingProperty}: is required`;
  return `${field || 'output'}: ${e.message ?? 'is invalid'}`;
}
