import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '../runtime/ports';

/** Prometheus metrics of one orchestrator instance (the runtime's Metrics port), served at GET /metrics. */
export function createMetrics() {
  const registry = new Registry();
  // The event-loop lag monitor samples on a timer of this period (prom-client's default, 10 ms,
  // wakes an idle process 100 times a second).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return {
    registry,
    messagesApplied: new Counter({ name: 'saga_messages_consumed_total', help: 'Valid messages consumed', registers: [registry] }),
    duplicates: new Counter({ name: 'saga_messages_duplicate_total', help: 'Redelivered or duplicated messages recognised and ignored', registers: [registry] }),
    deadLetters: new Counter({ name: 'saga_dead_letters_total', help: 'Messages sent to a <topic>.dlq topic (each once, redeliveries not counted)', registers: [registry] }),
    conflicts: new Counter({ name: 'saga_messages_conflicting_total', help: 'Messages whose eventId was consumed before with a different payload (dead-lettered)', registers: [registry] }),
    outboxPublished: new Counter({ name: 'saga_outbox_published_total', help: 'Outbox messages published to the broker', registers: [registry] }),
    retentionPruned: new Counter({ name: 'saga_retention_pruned_total', help: 'Inbox and outbox rows deleted past their retention', labelNames: ['table'], registers: [registry] }),
    sagasEnded: new Counter({ name: 'saga_ended_total', help: 'Sagas that reached a final status', labelNames: ['status'], registers: [registry] }),
    sagaDuration: new Histogram({
      name: 'saga_duration_seconds', help: 'Start to final status', registers: [registry],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    }),
  } satisfies Metrics & { registry: Registry };
}

export type PrometheusMetrics = ReturnType<typeof createMetrics>;
