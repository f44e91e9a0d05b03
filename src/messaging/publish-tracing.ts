import type { Span } from '@opentelemetry/api';
import { failSpan, remoteContext, SpanKind, startSpan, tracingEnabled } from '../tracing/tracing';
import type { OutgoingMessage } from '../runtime/ports';

/**
 * Publishes with a `send <topic>` span per message (tracing on), each a child of the span the
 * message's `traceparent` names, so the publish shows up in the saga's trace. The header
 * itself is left as it is: the receiver's span stays a child of the step that sent it.
 */
export async function publishTraced<R>(messages: OutgoingMessage[], publish: () => Promise<R>): Promise<R> {
  if (!tracingEnabled()) return publish();
  const spans: Span[] = messages.map((m) => startSpan(`send ${m.topic}`, remoteContext(m.headers?.traceparent), {
    'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.destination.name': m.topic,
    'messaging.kafka.message.key': m.key, 'messaging.batch.message_count': messages.length,
  }, SpanKind.PRODUCER));
  try {
    return await publish();
  } catch (error) {
    for (const s of spans) failSpan(s, error);
    throw error;
  } finally {
    for (const s of spans) s.end();
  }
}
