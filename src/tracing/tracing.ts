import {
  ROOT_CONTEXT, SpanKind, TraceFlags, trace, type Attributes, type Context, type Link, type Span, type SpanContext, type Tracer,
} from '@opentelemetry/api';
import type { TransportMessage } from '../runtime/ports';
import { formatTraceparent, parseTraceparent } from './traceparent';

/**
 * The process's tracing switch. Off (the default) the code paths below skip spans entirely and
 * only pass `traceparent` headers on; on, spans go to the global tracer provider that
 * startTracing (tracing/setup.ts) registered.
 */
let enabled = false;

export function tracingEnabled(): boolean {
  return enabled;
}

export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

export function tracer(): Tracer {
  return trace.getTracer('saga-control-plane');
}

/** A context whose parent is the remote span a `traceparent` header names; the root context if none is valid. */
export function remoteContext(traceparent: string | undefined | null): Context {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return ROOT_CONTEXT;
  const spanContext: SpanContext = { ...parsed, traceFlags: parsed.traceFlags & TraceFlags.SAMPLED, isRemote: true };
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/** A link to the span a `traceparent` names, or none. */
export function linkTo(traceparent: string | undefined | null): Link[] {
  const parsed = parseTraceparent(traceparent);
  return parsed ? [{ context: { ...parsed, isRemote: true } }] : [];
}

export function traceparentOf(span: Span): string {
  const c = span.spanContext();
  return formatTraceparent({ traceId: c.traceId, spanId: c.spanId, traceFlags: c.traceFlags });
}

/** Starts a span under `parent` (a context); the caller ends it. */
export function startSpan(name: string, parent: Context, attributes: Attributes, kind: SpanKind = SpanKind.INTERNAL, links?: Link[]): Span {
  return tracer().startSpan(name, { kind, attributes, links }, parent);
}

/** A span's context as a parent for child spans. */
export function contextOf(span: Span): Context {
  return trace.setSpan(ROOT_CONTEXT, span);
}

/** Records an error on a span (status ERROR) without its stack reaching attributes. */
export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
}

/** Semantic-convention attributes of a consumed Kafka message. */
export function messagingAttributes(raw: TransportMessage, operation: 'process' | 'receive'): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': operation,
    'messaging.destination.name': raw.topic,
    'messaging.destination.partition.id': String(raw.partition),
    'messaging.kafka.offset': Number(raw.offset),
    ...(raw.key !== null ? { 'messaging.kafka.message.key': raw.key } : {}),
  };
}

export { SpanKind };

