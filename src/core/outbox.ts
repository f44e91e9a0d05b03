import type { SentCommand } from './state';

/**
 * A message ready to publish: the full envelope and payload. The runtime writes it to the
 * outbox table in the same transaction as the state, and the relay publishes `value` as JSON.
 */
export interface OutboxMessage {
  eventId: string;
  topic: string;
  /** The saga's business key: keeps one saga's messages on one partition. */
  key: string;
  eventType: string;
  value: Record<string, unknown>;
  /** The step that sent it; null for saga outcome messages (OrderApproved / OrderCancelled). */
  step: string | null;
  /** Broker headers (the runtime sets `traceparent`). */
  headers?: Record<string, string>;
}

export interface EnvelopeContext {
  sagaId: string;
  /** The envelope field that carries the business key (SagaDefinition.businessKeyField), and its value. */
  businessKey: { field: string; value: string };
  correlationId: string;
  timestamp: string;
}

/** Wraps a sent command in the contract's envelope; envelope fields win over payload fields. */
export function toOutboxMessage(
  command: SentCommand,
  envelope: EnvelopeContext,
  retryCount: number,
  step: string | null,
): OutboxMessage {
  const head = {
    eventId: command.eventId,
    eventType: command.eventType,
    sagaId: envelope.sagaId,
    [envelope.businessKey.field]: envelope.businessKey.value,
    correlationId: envelope.correlationId,
    causationId: command.causationId,
    timestamp: envelope.timestamp,
    retryCount,
  };
  return {
    eventId: command.eventId,
    topic: command.topic,
    key: envelope.businessKey.value,
    eventType: command.eventType,
    value: Object.assign({ ...head, ...command.payload }, head),
    step,
  };
}
