import type { ApiError } from './api';

/** A refusal as the API gave it: its code and message. */
export function Refusal({ error }: { error?: ApiError }) {
  if (!error) return null;
  return <p className="refusal" role="alert"><code>{error.code}</code> {error.message}</p>;
}

export function Status({ value }: { value: string | null | undefined }) {
  if (!value) return null;
  return <span className={`status status-${value}`}>{value}</span>;
}

export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

/** A timestamp as local time with milliseconds, or a dash. */
export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <>–</>;
  const date = new Date(at);
  return <time dateTime={at} title={at}>{date.toLocaleString(undefined, { hour12: false })}.{String(date.getMilliseconds()).padStart(3, '0')}</time>;
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}
