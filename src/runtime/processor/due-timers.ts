import { fireTimer, type SagaRegistry } from '../../core';
import type { Logger } from '../../logger';
import type { Wire } from '../../messaging/contract';
import { outgoingProblem } from '../../messaging/outgoing-check';
import type { SagaStore } from '../ports';
import { continueTransition, endTransition } from '../saga-tracing';
import { definitionOf, sagaContext } from './saga-context';
import type { SagaWrites } from './saga-writes';
import { recordTransition, workingOf, type WorkingSaga } from './working-saga';

export interface DueTimersDeps {
  store: SagaStore;
  registry: SagaRegistry;
  wire: Wire;
  logger: Logger;
  clock: () => Date;
  writes: SagaWrites;
}

/** Durable timers (step timeouts, retry back-off): the due ones fire through the core, a batch per transaction. */
export class DueTimers {
  constructor(private readonly deps: DueTimersDeps) {}

  /** Fires up to `limit` timers that are due, skipping sagas another instance holds; returns how many fired. */
  async fire(limit: number): Promise<number> {
    const ctx = sagaContext(this.deps.clock, true);
    const written = await this.deps.store.inTransaction(async (tx) => {
      const due = await tx.lockDueTimers(ctx.now, limit);
      const working = new Map<string, WorkingSaga>();
      for (const stored of due) {
        const w = workingOf(stored);
        const trace = continueTransition('saga timer', w.state);
        const transition = fireTimer(definitionOf(this.deps.registry, w.state), w.state, ctx);
        // One saga whose re-send the contract refuses (stored before the check) must not stop every other timer.
        const refused = transition.outbox.map((m) => outgoingProblem(this.deps.wire, m)).filter((p) => p !== null);
        if (refused.length > 0) {
          this.deps.logger.error({ sagaId: stored.state.id, sagaType: stored.state.definitionName, businessKey: stored.state.businessKey, problems: refused }, 'timer would send a command the contract refuses; saga left as it was');
          endTransition(trace, undefined, 'refused command');
          continue;
        }
        recordTransition(w, transition, trace);
        endTransition(trace, w.state);
        working.set(w.state.id, w);
      }
      return this.deps.writes.persist(tx, working);
    });
    this.deps.writes.committed(written);
    return written.writes.length;
  }
}
