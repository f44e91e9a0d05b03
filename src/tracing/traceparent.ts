import { randomBytes } from 'node:crypto';

/**
 * W3C trace context (`traceparent`) as text, with no tracing SDK: sagas carry it on every
 * message whether or not spans are exported. Format: `00-<trace id>-<parent id>-<flags>`.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface TraceParent {
  traceId: string;
  spanId: string;
  /** 1: the caller sampled (records) this trace. */
  traceFlags: number;
}

/** The parsed header, or null when it is absent or not valid W3C (version ff, zero ids, wrong shape). */
export function parseTraceparent(value: string | undefined | null): TraceParent | null {
  if (!value) return null;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m;
  // Version 00 has exactly four fields; later versions may append more (the spec says keep the first four).
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return null;
  return { traceId, spanId, traceFlags: parseInt(flags, 16) };
}

export function formatTraceparent(t: TraceParent): string {
  return `00-${t.traceId}-${t.spanId}-${(t.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** A fresh trace, not sampled (nothing records it): a saga that started without one still has a trace id. */
export function newTraceparent(): string {
  return formatTraceparent({ traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), traceFlags: 0 });
}

/** The same trace with a new parent id: what a hop that records no span of its own passes on. */
export function childTraceparent(value: string): string | null {
  const parent = parseTraceparent(value);
  return parent ? formatTraceparent({ ...parent, spanId: randomBytes(8).toString('hex') }) : null;
}

export function traceIdOf(value: string | undefined | null): string | null {
  return parseTraceparent(value)?.traceId ?? null;
}
