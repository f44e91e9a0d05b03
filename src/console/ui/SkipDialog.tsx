import { useState } from 'react';
import { ActionDialog } from './ActionDialog';
import { ConsoleSkipDocument } from './generated';

interface PropertySchema {
  type?: string;
  description?: string;
  items?: { type?: string };
}

interface FieldError {
  field: string;
  message: string;
}

/**
 * Skips the running step with an output a form builds from the step's output schema. A value is
 * read as JSON when it parses (`["PAY-1"]`, `12`), else as text; the API checks it against the
 * schema and its refusal's per-field errors appear next to their inputs.
 */
export function SkipDialog({ sagaId, step, schema, onDone, onCancel }: { sagaId: string; step: string; schema?: Record<string, any>; onDone(): void; onCancel(): void }) {
  const properties: Record<string, PropertySchema> = schema?.properties ?? {};
  const required: string[] = schema?.required ?? [];
  const [values, setValues] = useState<Record<string, string>>({});
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);
  const output = Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== '').map(([k, v]) => [k, parse(v)]));
  const errorsOf = (field: string) => fieldErrors.filter((e) => e.field === field);
  return (
    <ActionDialog
      title={`Skip ${step}`}
      document={ConsoleSkipDocument}
      variables={() => ({ sagaId, step, output })}
      onDone={onDone}
      onCancel={onCancel}
      onRefused={(error) => { setFieldErrors(error.extensions.fieldErrors ?? []); return false; }}
    >
      <fieldset className="output" data-testid="skip-output">
        <legend>Output of {step}{schema?.description ? `: ${schema.description}` : ''}</legend>
        {Object.keys(properties).length === 0 && <p className="muted">This step needs no output.</p>}
        {Object.entries(properties).map(([name, p]) => (
          <label key={name} data-field={name}>
            {name}{required.includes(name) ? ' *' : ''} <span className="muted">{typeLabel(p)}{p.description ? ` — ${p.description}` : ''}</span>
            <input name={`output-${name}`} value={values[name] ?? ''} placeholder={example(p)} onChange={(e) => setValues({ ...values, [name]: e.target.value })} />
            {errorsOf(name).map((e) => <span key={e.message} className="field-error" data-testid={`field-error-${name}`}>{e.message}</span>)}
          </label>
        ))}
        {errorsOf('').map((e) => <span key={e.message} className="field-error">{e.message}</span>)}
      </fieldset>
    </ActionDialog>
  );
}

function parse(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const typeLabel = (p: PropertySchema) => (p.type === 'array' ? `array of ${p.items?.type ?? 'any'}` : p.type ?? 'any');
const example = (p: PropertySchema) => (p.type === 'array' ? '["…"]' : p.type === 'number' || p.type === 'integer' ? '0' : p.type === 'object' ? '{}' : '');
