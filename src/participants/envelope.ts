/** The reply envelope the participant services put around every event they send. */
import { randomUUID } from 'node:crypto';

import { EVENT_TYPE_TOPIC, type Envelope, type EventType, type PayloadOf } from '../sagas/order/contract';
import type { OutgoingMessage } from '../runtime/ports';
import type { Span } from '@opentelemetry/api';
import { childTraceparent } from '../tracing/traceparent';
import { traceparentOf } from '../tracing/tracing';

/**
 * A reply to `command`: a new eventId, the command's saga and correlation, causationId = the
 * command's eventId, retryCount 0, key = orderId (one order stays on one partition).
 */
export function replyTo<K extends EventType>(
  command: Envelope,
  eventType: K,
  payload: PayloadOf<K>,
  headers?: Record<string, string>,
): OutgoingMessage {
  const message = {
    eventId: randomUUID(),
    eventType,
    sagaId: command.sagaId,
    orderId: command.orderId,
    correlationId: command.correlationId,
    causationId: command.eventId,
    timestamp: new Date().toISOString(),
    retryCount: 0,
    ...payload,
  };
  return { topic: EVENT_TYPE_TOPIC[eventType], key: command.orderId, value: JSON.stringify(message), ...(headers ? { headers } : {}) };
}

/**
 * Headers a reply carries over from its command: only the W3C trace context, continued: the
 * participant's span (tracing on), else the command's trace with a new parent id. A header that
 * is not valid W3C is passed on as it came.
 */
export function replyHeaders(commandHeaders: Record<string, string>, span?: Span): Record<string, string> | undefined {
  const incoming = commandHeaders.traceparent;
  if (span) return { traceparent: traceparentOf(span) };
  if (!incoming) return undefined;
  return { traceparent: childTraceparent(incoming) ?? incoming };
}
