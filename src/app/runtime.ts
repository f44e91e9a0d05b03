import type { Config } from '../config';
import type { Logger } from '../logger';
import { fingerprintsOf } from '../core';
import { OutboxRelay } from '../messaging/outbox-relay';
import { createMetrics, type PrometheusMetrics } from '../metrics/prometheus';
import { MessageRetention } from '../persistence/message-retention';
import { PostgresOutboxStore } from '../persistence/outbox-store';
import { PostgresSagaStore } from '../persistence/saga-repository';
import { Orchestrator } from '../runtime/orchestrator';
import type { MessageTransport } from '../runtime/ports';
import { SagaProcessor } from '../runtime/processor/saga-processor';
import { retentionPruner } from '../runtime/retention-pruner';
import type { AnySagaModule } from '../runtime/ports';
import { registerSagas, type RegisteredSagas } from '../runtime/registered-sagas';
import type { Database } from './database';

export interface SagaRuntime {
  orchestrator: Orchestrator;
  processor: SagaProcessor;
  relay: OutboxRelay;
  metrics: PrometheusMetrics;
  registry: RegisteredSagas['registry'];
  sagas: RegisteredSagas;
  /** The fingerprint of every registered definition, by name@version; each new saga stores its own. */
  fingerprints: ReadonlyMap<string, string>;
}

/**
 * The saga runtime on a database and a transport: the registered saga modules with their
 * configured options, the processor on the PostgreSQL store (the engine pool), the outbox relay,
 * retention and the orchestrator that drives them (not started yet).
 */
export function createSagaRuntime(
  config: Config, database: Pick<Database, 'pool' | 'orm'>, transport: MessageTransport, logger: Logger, modules: readonly AnySagaModule[],
): SagaRuntime {
  const { saga } = config;
  const sagas = registerSagas(modules, config);
  const { registry, wire, triggers } = sagas;
  const fingerprints = fingerprintsOf(registry.list());
  const metrics = createMetrics();
  const relay = new OutboxRelay(new PostgresOutboxStore(database.pool), transport, logger, metrics);
  const processor = new SagaProcessor({
    store: new PostgresSagaStore(database.pool, fingerprints, sagas.searchKeys),
    registry,
    wire,
    triggers,
    logger,
    metrics,
    // Live subscribers hear of commits through PostgreSQL (persistence/change-listener.ts);
    // here the relay publishes what was just written, straight from memory.
    onCommitted: (outbox) => relay.offer(outbox),
    // The orchestrator is built below; a commit cannot happen before it exists.
    onTimerArmed: (dueAtMs) => orchestrator.timerArmed(dueAtMs),
    groupTransactions: saga.groupTransactions,
  });
  const messageRetention = new MessageRetention(database.orm);
  const retention = retentionPruner((cutoffs) => messageRetention.prune(cutoffs), config.retention, logger, (pruned) => {
    metrics.retentionPruned.inc({ table: 'inbox_message' }, pruned.inbox);
    metrics.retentionPruned.inc({ table: 'outbox_message' }, pruned.outbox);
  });
  const orchestrator = new Orchestrator({
    topics: wire.inbound, transport, processor, relay, retention, groupId: config.kafka.groupId, logger, batchesInFlight: saga.batchesInFlight,
  });
  return { orchestrator, processor, relay, metrics, registry, sagas, fingerprints };
}
