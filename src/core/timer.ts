/**
 * The saga's one durable timer fired. A timeout either schedules a retry (exponential back-off
 * with jitter) or, with the attempts used up, fails the step (TIMED_OUT) or the compensation
 * (COMPENSATION_FAILED). A retry re-sends the same commands with the same eventIds.
 */
import { compensationFailed, resendCompensation } from './compensation';
import type { RetryPolicy, SagaContext, SagaDefinition } from './definition';
import { failStep, resendStep } from './forward';
import { backoffMs, canRetry } from './retry';
import type { SagaState, SagaTimer } from './state';
import { Transition, type SagaTransition } from './transition';
import { fireUnkeptTimers } from './unkept';

export function fireTimer<D>(def: SagaDefinition<D>, state: SagaState<D>, ctx: SagaContext): SagaTransition<D> {
  const t = new Transition(def, state, ctx);
  const timer = state.timer;
  // Not due yet (or already handled): firing early or twice changes nothing.
  if (timer && timer.dueAtMs <= t.nowMs) {
    if (isStale(state, timer)) {
      t.state.timer = null;
      t.event('WARNING', timer.step, { warning: 'stale timer cleared', timer });
    } else if (timer.phase === 'forward') {
      forwardTimer(t, timer);
    } else {
      compensationTimer(t, timer);
    }
  }
  fireUnkeptTimers(t);
  return t.done();
}

function isStale<D>(state: SagaState<D>, timer: SagaTimer): boolean {
  const s = state.steps.find((x) => x.name === timer.step);
  if (timer.phase === 'forward') return state.status !== 'RUNNING' || state.currentStep !== timer.step || s?.status !== 'RUNNING';
  return state.status !== 'COMPENSATING' || s?.status !== 'COMPENSATING';
}

function scheduleRetry<D>(t: Transition<D>, timer: SagaTimer, policy: RetryPolicy, attempts: number): void {
  const nextAtMs = t.nowMs + backoffMs(policy, attempts + 1, t.ctx.random());
  t.state.timer = { dueAtMs: nextAtMs, purpose: 'retry', step: timer.step, phase: timer.phase, attempt: attempts + 1 };
  t.event('RETRY_SCHEDULED', timer.step, { phase: timer.phase, attempt: attempts + 1, nextAtMs });
}

function forwardTimer<D>(t: Transition<D>, timer: SagaTimer): void {
  const step = t.stepDef(timer.step);
  const s = t.stepState(timer.step);
  if (timer.purpose === 'retry') return resendStep(t, step.name);
  t.event('TIMED_OUT', step.name, { phase: 'forward', attempt: s.attempts });
  if (canRetry(step.retry, s.attempts)) return scheduleRetry(t, timer, step.retry, s.attempts);
  const reason = `${step.name}: no reply after ${s.attempts} attempt(s) of ${step.timeoutMs} ms`;
  failStep(t, step, { reason, status: 'TIMED_OUT' }, null);
}

function compensationTimer<D>(t: Transition<D>, timer: SagaTimer): void {
  const step = t.stepDef(timer.step);
  const s = t.stepState(timer.step);
  if (timer.purpose === 'retry') return resendCompensation(t, step.name);
  const policy = step.compensation?.retry ?? step.retry;
  t.event('TIMED_OUT', step.name, { phase: 'compensation', attempt: s.compensationAttempts });
  if (canRetry(policy, s.compensationAttempts)) return scheduleRetry(t, timer, policy, s.compensationAttempts);
  compensationFailed(t, step.name, `compensation of ${step.name}: no reply after ${s.compensationAttempts} attempt(s)`);
}
