/**
 * Unwinding: the compensations of the steps that have effects run one at a time, latest step
 * first (Temporal's stack), each waiting for its own replies with its own timeout and retries.
 * The next one is chosen afresh each time, so a step that gains effects late (a payment that
 * succeeds after its timeout) is still undone.
 */
import type { CommandSpec, CompensationContext, SagaDefinition, StepDefinition } from './definition';
import type { SagaState, StepState } from './state';
import type { Transition } from './transition';

export function hasCompensation<D>(step: StepDefinition<D>, data: D): boolean {
  return !!step.compensation && (step.compensation.when?.(data) ?? true);
}

function compensationContext<D>(state: SagaState<D>): CompensationContext {
  return { status: state.failureStatus ?? 'COMPENSATED', reason: state.failureReason ?? 'compensation' };
}

/** The step being undone now, if any. */
export function compensatingStep<D>(state: SagaState<D>): StepState | undefined {
  return state.steps.find((s) => s.status === 'COMPENSATING');
}

/** Steps still to undo, in the order they will run: the one in progress, then latest first. */
function stepsToCompensate<D>(state: SagaState<D>): StepState[] {
  const waiting = state.steps.filter((s) => s.needsCompensation && s.status !== 'COMPENSATING').reverse();
  const inProgress = compensatingStep(state);
  return inProgress ? [inProgress, ...waiting] : waiting;
}

export interface PlannedCompensation {
  step: string;
  participant: string;
  /** The step's status now (SUCCEEDED, FAILED with partial effects, or COMPENSATING). */
  stepStatus: StepState['status'];
  inProgress: boolean;
  commands: CommandSpec[];
}

/**
 * Dry run: the compensations that would run now, in order, with the commands they would send.
 * An in-progress one shows the commands it actually sent. Pure; creates no ids.
 */
export function compensationPlan<D>(def: SagaDefinition<D>, state: SagaState<D>): PlannedCompensation[] {
  return stepsToCompensate(state).flatMap((s) => {
    const step = def.steps.find((x) => x.name === s.name);
    if (!step?.compensation) return [];
    const inProgress = s.status === 'COMPENSATING';
    const commands = inProgress
      ? s.compensationCommands.map(({ topic, eventType, payload }) => ({ topic, eventType, payload }))
      : step.compensation.commands(state.data, compensationContext(state));
    return [{ step: s.name, participant: step.participant, stepStatus: s.status, inProgress, commands }];
  });
}

/** Starts unwinding after a failure; ends at once when nothing has effects to undo. */
export function startCompensation<D>(t: Transition<D>, causationId: string | null, detail: Record<string, unknown> = {}): void {
  const plan = stepsToCompensate(t.state).map((s) => s.name);
  if (plan.length === 0) return endFailed(t, causationId);
  t.state.status = 'COMPENSATING';
  t.state.endedAtMs = null;
  t.event('COMPENSATION_STARTED', null, {
    failureStatus: t.state.failureStatus,
    reason: t.state.failureReason,
    plan,
    ...detail,
  });
  continueCompensation(t, causationId);
}

/** Runs the next compensation (re-sending the one in progress), or ends when none is left. */
export function continueCompensation<D>(t: Transition<D>, causationId: string | null): void {
  t.state.status = 'COMPENSATING';
  const next = stepsToCompensate(t.state)[0];
  if (!next) return endFailed(t, causationId);
  if (next.status === 'COMPENSATING') return resendCompensation(t, next.name);
  beginCompensationStep(t, t.stepDef(next.name), causationId);
}

function beginCompensationStep<D>(t: Transition<D>, step: StepDefinition<D>, causationId: string | null): void {
  const compensation = step.compensation!;
  const s = t.stepState(step.name);
  s.status = 'COMPENSATING';
  s.compensationAttempts = 1;
  s.compensationStartedAtMs = t.nowMs;
  t.state.currentStep = step.name;
  t.event('COMPENSATION_STEP_STARTED', step.name, { attempt: 1 });
  s.compensationCommands = t.send(step.name, compensation.commands(t.state.data, compensationContext(t.state)), causationId);
  s.compensationEventIds.push(...s.compensationCommands.map((c) => c.eventId));
  if (Object.keys(compensation.replies).length === 0) return compensationDone(t, step.name, causationId);
  armCompensationTimeout(t, step, s.compensationAttempts);
}

/** A new attempt of the compensation in progress: same commands, same eventIds. */
export function resendCompensation<D>(t: Transition<D>, stepName: string): void {
  const step = t.stepDef(stepName);
  const s = t.stepState(stepName);
  s.compensationAttempts += 1;
  t.state.status = 'COMPENSATING';
  t.state.currentStep = stepName;
  t.state.endedAtMs = null;
  t.resend(stepName, s.compensationCommands, s.compensationAttempts - 1);
  armCompensationTimeout(t, step, s.compensationAttempts);
}

function armCompensationTimeout<D>(t: Transition<D>, step: StepDefinition<D>, attempt: number): void {
  const timeoutMs = step.compensation?.timeoutMs ?? step.timeoutMs;
  t.state.timer = { dueAtMs: t.nowMs + timeoutMs, purpose: 'timeout', step: step.name, phase: 'compensation', attempt };
}

export function compensationDone<D>(t: Transition<D>, stepName: string, causationId: string | null): void {
  const s = t.stepState(stepName);
  s.status = 'COMPENSATED';
  s.needsCompensation = false;
  s.compensationEndedAtMs = t.nowMs;
  t.state.timer = null;
  t.event('COMPENSATION_STEP_DONE', stepName, { attempts: s.compensationAttempts });
  // An aborted saga records what happened but does not move on by itself.
  if (t.state.status === 'ABORTED') return;
  continueCompensation(t, causationId);
}

/** A compensation gave up: the saga waits, visibly, for an operator. OrderCancelled is not sent. */
export function compensationFailed<D>(t: Transition<D>, stepName: string, reason: string): void {
  const s = t.stepState(stepName);
  s.lastError = reason;
  t.state.status = 'COMPENSATION_FAILED';
  t.state.timer = null;
  t.state.lastError = reason;
  t.event('COMPENSATION_FAILED', stepName, { reason, attempts: s.compensationAttempts });
}

/** Ends failed in the recorded failure status; the outcome message goes out only once. */
export function endFailed<D>(t: Transition<D>, causationId: string | null): void {
  const status = t.state.failureStatus ?? 'COMPENSATED';
  const reason = t.state.failureReason ?? 'failed';
  t.state.status = status;
  t.state.currentStep = null;
  t.state.timer = null;
  t.state.endedAtMs = t.nowMs;
  if (!t.state.outcomeSent) {
    t.send(null, t.def.onFailed(t.state.data, status, reason), causationId);
    t.state.outcomeSent = true;
  }
  t.event('SAGA_FAILED', null, { status, reason });
}
