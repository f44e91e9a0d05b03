import type { Logger } from '../../logger';
import type { Wire } from '../../messaging/contract';
import { assertOutgoingValid } from '../../messaging/outgoing-check';
import type { Metrics, SagaTransaction, SagaWrite, WrittenOutboxMessage } from '../ports';
import { sagaWrites, type WorkingSaga } from './working-saga';

/** What one transaction wrote: the sagas, and the outbox rows to publish after the commit. */
export interface Written {
  writes: SagaWrite[];
  outbox: WrittenOutboxMessage[];
}

export const NOTHING_WRITTEN: Written = { writes: [], outbox: [] };

export interface SagaWritesDeps {
  logger: Logger;
  /** The registered sagas' contracts, which every outgoing message must meet. */
  wire: Wire;
  metrics: Metrics;
  /** Called after each commit that wrote outbox rows, with those rows (for the relay to publish now). */
  onCommitted(outbox: WrittenOutboxMessage[]): void;
  /** Called after a commit that left a saga with a timer, with the earliest such timer's due time. */
  onTimerArmed?(dueAtMs: number): void;
}

/** Writes what a transaction changed, and reports it once it committed. */
export class SagaWrites {
  constructor(private readonly deps: SagaWritesDeps) {}

  /** Writes the working sagas; throws InvalidCommandError (nothing written) if one would send a command the contract refuses. */
  async persist(tx: SagaTransaction, working: Map<string, WorkingSaga>): Promise<Written> {
    for (const w of working.values()) assertOutgoingValid(this.deps.wire, w.state.id, w.outbox);
    const writes = sagaWrites(working);
    return { writes, outbox: await tx.write(writes) };
  }

  /** After the commit: sagas that ended are counted and logged, the outbox rows go to the relay, armed timers to the timer poller. */
  committed({ writes, outbox }: Written): void {
    for (const w of writes) {
      if (w.state.endedAtMs !== null && w.events.some((e) => e.type === 'SAGA_COMPLETED' || e.type === 'SAGA_FAILED')) {
        this.deps.metrics.sagasEnded.inc({ status: w.state.status });
        this.deps.logger.info({ sagaId: w.state.id, sagaType: w.state.definitionName, businessKey: w.state.businessKey, status: w.state.status, reason: w.state.failureReason ?? undefined }, 'saga ended');
        this.deps.metrics.sagaDuration.observe((w.state.endedAtMs - w.state.startedAtMs) / 1000);
      }
    }
    if (outbox.length > 0) this.deps.onCommitted(outbox);
    let earliest = Infinity;
    for (const w of writes) if (w.state.timer && w.state.timer.dueAtMs < earliest) earliest = w.state.timer.dueAtMs;
    if (earliest < Infinity) this.deps.onTimerArmed?.(earliest);
  }
}
