import type { SagaTransition } from '../../core';
import type { AnySagaState, SagaWrite, StoredSaga } from '../ports';
import { traceOutbox, type TransitionTrace } from '../saga-tracing';
import { changedSteps, stepSignatures } from './step-rows';

/** A saga being changed inside one transaction: what was read, and every transition since. */
export interface WorkingSaga {
  stored: StoredSaga | null;
  state: AnySagaState;
  events: SagaTransition<unknown>['events'];
  outbox: SagaTransition<unknown>['outbox'];
  actor: string;
  /** Each step's row columns as read (stepSignatures), to rewrite only the rows that changed; null for a new saga. */
  stepsAsRead: string[] | null;
}

/** A stored saga, about to be changed. */
export function workingOf(stored: StoredSaga): WorkingSaga {
  return { stored, state: stored.state, events: [], outbox: [], actor: 'system', stepsAsRead: stepSignatures(stored.state) };
}

/** A saga that does not exist yet: its first transition comes next. */
export function newWorkingSaga(state: AnySagaState): WorkingSaga {
  return { stored: null, state, events: [], outbox: [], actor: 'system', stepsAsRead: null };
}

/** Adds one transition to the working saga: its new state, its events and the messages it sends. */
export function recordTransition(w: WorkingSaga, transition: SagaTransition<unknown>, trace: TransitionTrace): void {
  traceOutbox(trace, transition.state, transition.outbox);
  w.state = transition.state;
  w.events.push(...transition.events);
  w.outbox.push(...transition.outbox);
}

/** What the store writes for the working sagas: every new saga, and every saga whose transitions logged events. */
export function sagaWrites(working: Map<string, WorkingSaga>): SagaWrite[] {
  // A transition with no events changed nothing (e.g. a reply the engine ignored silently).
  return [...working.values()].filter((w) => w.events.length > 0 || !w.stored).map((w) => ({
    state: w.state,
    previousVersion: w.stored?.version ?? null,
    previousEventSeq: w.stored?.eventSeq ?? 0,
    events: w.events,
    outbox: w.outbox,
    actor: w.actor,
    changedSteps: changedSteps(w.stepsAsRead, w.state),
  }));
}
