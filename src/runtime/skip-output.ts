import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** One problem with an operator-supplied output; `field` is the property path ('' for the whole output), so a form can show it next to its input. */
export interface OutputFieldError {
  field: string;
  message: string;
}

/**
 * Checks what an operator supplies when skipping a step against the step's declared output
 * schema (JSON Schema: types, formats, required fields, no extra properties); returns the
 * problems per field, or null when it fits. The core then applies the step's own rules.
 */
export function skipOutputProblems(schema: Record<string, unknown> | undefined, output: Record<string, unknown> | undefined): OutputFieldError[] | null {
  if (!schema) return null;
  let validate = compiled.get(schema);
  if (!validate) {
    // Only what the step produces: a schema that says nothing about extra properties forbids them.
    validate = ajv.compile({ additionalProperties: false, ...schema });
    compiled.set(schema, validate);
  }
  if (validate(output ?? {})) return null;
  return (validate.errors ?? []).map(describe);
}

function describe(e: ErrorObject): OutputFieldError {
  const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const at = (name: string) => (path ? `${path}.${name}` : name);
  if (e.keyword === 'additionalProperties') {
    const field = at(String((e.params as { additionalProperty: string }).additionalProperty));
    return { field, message: `${field}: not produced by this step` };
  }
  if (e.keyword === 'required') {
    const field = at((e.params as { missingProperty: string }).missingProperty);
    return { field, message: `${field}: is required` };
  }
  return { field: path, message: `${path || 'output'}: ${e.message ?? 'is invalid'}` };
}
