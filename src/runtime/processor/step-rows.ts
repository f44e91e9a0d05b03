import type { AnySagaState } from '../ports';

/**
 * Step-row tracking: each step's saga_step columns as read, so a write rewrites only the rows of
 * the steps that changed (a reply usually touches one step of several).
 */

/** Each step's row columns as read; compare with changedSteps after the transitions. */
export function stepSignatures(state: AnySagaState): string[] {
  return state.steps.map(stepSignature);
}

/** Positions of the steps whose row changed since `asRead`; undefined (every row) for a new saga. */
export function changedSteps(asRead: string[] | null, state: AnySagaState): number[] | undefined {
  if (asRead === null) return undefined;
  return state.steps.flatMap((step, i) => (stepSignature(step) === asRead[i] ? [] : [i]));
}

/** The saga_step columns of one step, as one comparable string. */
function stepSignature(step: AnySagaState['steps'][number]): string {
  return `${step.status}|${step.attempts}|${step.compensationAttempts}|${step.lastError}|${step.startedAtMs}|${step.endedAtMs ?? step.compensationEndedAtMs}`;
}
