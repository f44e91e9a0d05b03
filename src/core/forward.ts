/** The forward phase: run the steps in order, one at a time, until done or failed. */
import { hasCompensation, startCompensation } from './compensation';
import type { StepDefinition } from './definition';
import type { SagaStatus } from './state';
import type { Transition } from './transition';

/** Starts the first applicable step at or after `index`; completes the saga after the last. */
export function advanceFrom<D>(t: Transition<D>, index: number, causationId: string | null): void {
  for (let i = index; i < t.def.steps.length; i++) {
    const step = t.def.steps[i];
    if (step.when && !step.when(t.state.data)) {
      const s = t.stepState(step.name);
      s.status = 'SKIPPED';
      s.endedAtMs = t.nowMs;
      t.event('STEP_SKIPPED', step.name, { why: 'not applicable' });
      continue;
    }
    if (beginStep(t, step, causationId) === 'waiting') return;
  }
  complete(t, causationId);
}

/** Sends the step's commands; a step that expects no reply succeeds at once. */
function beginStep<D>(t: Transition<D>, step: StepDefinition<D>, causationId: string | null): 'waiting' | 'succeeded' {
  const s = t.stepState(step.name);
  s.status = 'RUNNING';
  s.attempts = 1;
  s.startedAtMs = t.nowMs;
  s.lastError = null;
  t.state.currentStep = step.name;
  t.event('STEP_STARTED', step.name, { participant: step.participant, attempt: 1 });
  s.commands = t.send(step.name, step.invoke(t.state.data), causationId);
  s.commandEventIds.push(...s.commands.map((c) => c.eventId));
  if (Object.keys(step.replies).length > 0) {
    armTimeout(t, step, s.attempts);
    return 'waiting';
  }
  markSucceeded(t, step);
  return 'succeeded';
}

function armTimeout<D>(t: Transition<D>, step: StepDefinition<D>, attempt: number): void {
  t.state.timer = { dueAtMs: t.nowMs + step.timeoutMs, purpose: 'timeout', step: step.name, phase: 'forward', attempt };
}

/** A new attempt of the running step: same commands, same eventIds, retryCount = attempt - 1. */
export function resendStep<D>(t: Transition<D>, stepName: string): void {
  const step = t.stepDef(stepName);
  const s = t.stepState(stepName);
  s.attempts += 1;
  t.resend(stepName, s.commands, s.attempts - 1);
  armTimeout(t, step, s.attempts);
}

function markSucceeded<D>(t: Transition<D>, step: StepDefinition<D>): void {
  const s = t.stepState(step.name);
  s.status = 'SUCCEEDED';
  s.endedAtMs = t.nowMs;
  s.needsCompensation = hasCompensation(step, t.state.data);
  t.state.timer = null;
  t.event('STEP_SUCCEEDED', step.name, { attempts: s.attempts });
}

export function succeedStep<D>(t: Transition<D>, step: StepDefinition<D>, data: D, causationId: string | null, warning?: string): void {
  t.state.data = data;
  if (warning) t.warn(step.name, warning);
  markSucceeded(t, step);
  advanceFrom(t, t.def.steps.indexOf(step) + 1, causationId);
}

export interface StepFailure<D> {
  reason: string;
  status: SagaStatus;
  data?: D;
  /** The step itself has partial effects to undo. */
  compensateSelf?: boolean;
}

/** Marks the step failed, records the saga's failure status and starts unwinding. */
export function failStep<D>(t: Transition<D>, step: StepDefinition<D>, failure: StepFailure<D>, causationId: string | null): void {
  if (failure.data !== undefined) t.state.data = failure.data;
  const s = t.stepState(step.name);
  s.status = 'FAILED';
  s.lastError = failure.reason;
  s.endedAtMs = t.nowMs;
  s.needsCompensation = !!failure.compensateSelf && hasCompensation(step, t.state.data);
  t.state.timer = null;
  t.state.failureStatus = failure.status;
  t.state.failureReason = failure.reason;
  t.state.lastError = failure.reason;
  t.event('STEP_FAILED', step.name, {
    reason: failure.reason,
    failureStatus: failure.status,
    compensateSelf: s.needsCompensation,
  });
  startCompensation(t, causationId);
}

function complete<D>(t: Transition<D>, causationId: string | null): void {
  t.state.status = 'COMPLETED';
  t.state.currentStep = null;
  t.state.timer = null;
  t.state.endedAtMs = t.nowMs;
  t.send(null, t.def.onCompleted(t.state.data), causationId);
  t.state.outcomeSent = true;
  t.event('SAGA_COMPLETED', null, {});
}
