import type { Viewer } from './context';

/** Keys in saga data that identify or locate a customer. */
const PERSONAL = /^(customerId|customerName|email|phone|.*address.*)$/i;

/** `analyst` callers read sagas with customer data masked; every other role sees it. */
export function mustMask(viewer: Viewer | null): boolean {
  return !!viewer && viewer.roles.every((role) => role === 'analyst');
}

export function maskValue(value: unknown): unknown {
  return value === null || value === undefined ? value : '***';
}

/** A copy of saga data with personal fields masked, at any depth. */
export function maskPersonalData(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(maskPersonalData);
  if (data === null || typeof data !== 'object') return data;
  return Object.fromEntries(Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, PERSONAL.test(k) ? maskValue(v) : maskPersonalData(v)]));
}
