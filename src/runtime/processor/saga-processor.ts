import type { SagaRegistry } from '../../core';
import type { Logger } from '../../logger';
import type { Wire } from '../../messaging/contract';
import type { WireMessage } from '../../messaging/contract';
import type { ManualActionRequest } from '../manual-actions';
import type { Metrics, SagaStore, TransportMessage, WrittenOutboxMessage } from '../ports';
import { batchSpan } from '../saga-tracing';
import { MessageApplier, type SagaTrigger } from './apply-messages';
import { DeadLetters, isRefusal, refusalReason } from './dead-letters';
import { DueTimers } from './due-timers';
import { GroupCommit } from './group-commit';
import { InboundBatch } from './inbound-batch';
import { OperatorCommands, type ManualStart } from './operator-commands';
import { SagaWrites } from './saga-writes';

export type { SagaTrigger } from './apply-messages';

export interface SagaProcessorDeps {
  store: SagaStore;
  registry: SagaRegistry;
  /** The registered sagas' contracts: what consumed messages are parsed against and sent messages checked against. */
  wire: Wire;
  triggers: Record<string, SagaTrigger>;
  logger: Logger;
  metrics: Metrics;
  /** Called after each commit that wrote outbox rows, with those rows (for the relay to publish now). */
  onCommitted(outbox: WrittenOutboxMessage[]): void;
  /** Called after a commit that left a saga with a timer, with the earliest such timer's due time. */
  onTimerArmed?(dueAtMs: number): void;
  /** Transactions of grouped batches at once (default 1; more: one runs while the next is built and sent). */
  groupTransactions?: number;
  clock?: () => Date;
}

/** Messages per group-commit transaction at most. */
const MAX_GROUP_MESSAGES = 2000;

/**
 * Applies consumed messages and due timers to sagas through the pure core, and persists the
 * result with its outgoing messages in one transaction per batch (transactional outbox). The
 * inbox makes a redelivered message a no-op; row locks make one saga's messages apply one at a
 * time; anything that cannot be applied goes to the dead-letter topic with its reason.
 *
 * Each job has its file: group-commit.ts (batches sharing a transaction), inbound-batch.ts (the
 * pipeline of one transaction), apply-messages.ts (messages through the core), due-timers.ts,
 * operator-commands.ts (manual actions and starts), working-saga.ts and step-rows.ts (what a
 * transaction changed), saga-writes.ts (writing and reporting it), dead-letters.ts.
 */
export class SagaProcessor {
  private readonly groups: GroupCommit;
  private readonly timers: DueTimers;
  private readonly commands: OperatorCommands;
  private readonly store: SagaStore;

  constructor(deps: SagaProcessorDeps) {
    this.store = deps.store;
    const clock = deps.clock ?? (() => new Date());
    const { store, registry, wire, triggers, logger, metrics } = deps;
    const writes = new SagaWrites(deps);
    const deadLetters = new DeadLetters({ store, logger, metrics, clock }, writes);
    const applier = new MessageApplier({ registry, wire, triggers, logger, metrics, clock, deadLetters });
    const inbound = new InboundBatch({ store, wire, logger, metrics, applier, writes, deadLetters });
    this.groups = new GroupCommit({
      commit: (messages) => inbound.apply(messages),
      refuse: (message, error) => deadLetters.alone(message, refusalReason(error)),
      isRefusal,
      transactions: deps.groupTransactions ?? 1,
      maxMessages: MAX_GROUP_MESSAGES,
    });
    this.timers = new DueTimers({ store, registry, wire, logger, clock, writes });
    this.commands = new OperatorCommands({ store, registry, logger, clock, applier, writes });
  }

  /** Handles one consumed batch; throws (so the batch is redelivered) only if the commit fails. */
  handleBatch(messages: TransportMessage[]): Promise<void> {
    const span = batchSpan(messages);
    const done = this.groups.commit(messages);
    if (!span) return done;
    return done.then(() => span.end(), (error: unknown) => {
      span.setStatus({ code: 2, message: error instanceof Error ? error.message : String(error) });
      span.end();
      throw error;
    });
  }

  /** Fires the timers that are due (timeouts, retry back-off); returns how many fired. */
  fireDueTimers(limit = 200): Promise<number> {
    return this.timers.fire(limit);
  }

  /** When the earliest armed timer is due (null: none). */
  nextTimerDueAt(): Promise<Date | null> {
    return this.store.nextTimerDueAt();
  }

  /** Runs an operator's action on one saga, idempotently (see OperatorCommands.runManualAction). */
  runManualAction(request: ManualActionRequest): Promise<{ sagaId: string; replayed: boolean }> {
    return this.commands.runManualAction(request);
  }

  /** Starts a saga from a trigger message given by an operator (startSaga), idempotently. */
  startManually(message: WireMessage, operator: ManualStart): Promise<{ sagaId: string; replayed: boolean }> {
    return this.commands.startManually(message, operator);
  }
}
