/**
 * Operator actions. Each is a pure transition like the others; it records who did it and why
 * (MANUAL_ACTION) and refuses, as a value with a code, what the saga's state does not allow.
 */
import { compensatingStep, continueCompensation, startCompensation } from './compensation';
import type { SagaContext, SagaDefinition } from './definition';
import { advanceFrom, resendStep } from './forward';
import { isFailedEnd, type SagaState } from './state';
import { Transition, type SagaTransition } from './transition';
import { failedUnkeptEffects, retryFailedUnkeptEffects } from './unkept';

export interface Operator {
  actor: string;
  reason: string;
}

export type ManualErrorCode = 'INVALID_STATE' | 'STEP_NOT_FOUND' | 'NOT_SKIPPABLE' | 'INVALID_OUTPUT';
export interface ManualError {
  ok: false;
  code: ManualErrorCode;
  message: string;
}
export type ManualResult<D> = ({ ok: true } & SagaTransition<D>) | ManualError;
export type ManualAction = 'compensate' | 'abort' | 'retryStep' | 'skipStep' | 'resume';

function refuse(code: ManualErrorCode, message: string): ManualError {
  return { ok: false, code, message };
}

function invalidState<D>(state: SagaState<D>, action: ManualAction, why: string): ManualError {
  return refuse('INVALID_STATE', `cannot ${action} saga ${state.id} in status ${state.status}: ${why}`);
}

function begin<D>(
  def: SagaDefinition<D>,
  state: SagaState<D>,
  ctx: SagaContext,
  operator: Operator,
  action: ManualAction,
  step: string | null = null,
): Transition<D> {
  const t = new Transition(def, state, ctx);
  t.event('MANUAL_ACTION', step, { actor: operator.actor, reason: operator.reason, action });
  return t;
}

function finish<D>(t: Transition<D>): ManualResult<D> {
  return { ok: true, ...t.done() };
}

/** Stops the forward step in flight; a reply arriving for it later counts as late. */
function stopRunningStep<D>(t: Transition<D>, why: string): void {
  const current = t.state.currentStep && t.stepState(t.state.currentStep);
  if (current && current.status === 'RUNNING') {
    current.status = 'FAILED';
    current.lastError = why;
    current.endedAtMs = t.nowMs;
  }
  t.state.timer = null;
}

/**
 * Undo the saga. RUNNING: stop and compensate everything done, ending COMPENSATED.
 * Ended failed or ABORTED with effects left: undo those, ending COMPENSATED.
 * COMPENSATION_FAILED: retry the compensation that gave up (the saga then ends in its original
 * failure status).
 */
export function compensate<D>(def: SagaDefinition<D>, state: SagaState<D>, operator: Operator, ctx: SagaContext): ManualResult<D> {
  const why = `compensated by ${operator.actor}: ${operator.reason}`;
  if (state.status === 'COMPENSATION_FAILED') {
    const t = begin(def, state, ctx, operator, 'compensate');
    continueCompensation(t, null);
    return finish(t);
  }
  const leftToUndo = state.steps.some((s) => s.needsCompensation);
  const reopen = (isFailedEnd(state.status) || state.status === 'ABORTED') && leftToUndo;
  if (state.status !== 'RUNNING' && !reopen) {
    return invalidState(state, 'compensate', leftToUndo ? 'already compensating' : 'nothing left to compensate');
  }
  const t = begin(def, state, ctx, operator, 'compensate');
  stopRunningStep(t, why);
  t.state.failureStatus = 'COMPENSATED';
  t.state.failureReason = why;
  startCompensation(t, null, { manual: true });
  return finish(t);
}

/** Stop here without compensating. No OrderCancelled: the operator owns the order now. */
export function abort<D>(def: SagaDefinition<D>, state: SagaState<D>, operator: Operator, ctx: SagaContext): ManualResult<D> {
  if (!['RUNNING', 'COMPENSATING', 'COMPENSATION_FAILED'].includes(state.status)) {
    return invalidState(state, 'abort', 'the saga has already ended');
  }
  const t = begin(def, state, ctx, operator, 'abort');
  stopRunningStep(t, `aborted by ${operator.actor}: ${operator.reason}`);
  t.state.status = 'ABORTED';
  t.state.currentStep = null;
  t.state.endedAtMs = t.nowMs;
  t.event('SAGA_FAILED', null, { status: 'ABORTED', reason: operator.reason });
  return finish(t);
}

/**
 * Send the step's commands again as a new attempt (same eventIds, retryCount + 1): the running
 * forward step, or the compensation in progress / given up.
 */
export function retryStep<D>(
  def: SagaDefinition<D>,
  state: SagaState<D>,
  step: string,
  operator: Operator,
  ctx: SagaContext,
): ManualResult<D> {
  if (!def.steps.some((s) => s.name === step)) return refuse('STEP_NOT_FOUND', `saga ${def.name} has no step '${step}'`);
  const forward = state.status === 'RUNNING' && state.currentStep === step;
  const undoing =
    (state.status === 'COMPENSATING' || state.status === 'COMPENSATION_FAILED') && compensatingStep(state)?.name === step;
  if (!forward && !undoing) return invalidState(state, 'retryStep', `step '${step}' is not the one in progress`);
  const t = begin(def, state, ctx, operator, 'retryStep', step);
  if (forward) resendStep(t, step);
  else continueCompensation(t, null);
  return finish(t);
}

/**
 * Skip the running step (only if the definition allows it) and move on. The operator's output
 * may only supply what the step produces: the fields its outputSchema declares, all required
 * ones, turned into saga data by the step's applySkipOutput (which checks the business rules);
 * without that hook the declared fields are merged as given. A reply that still arrives for the
 * step is recorded with a warning (or, for effects the saga does not keep, undone).
 */
export function skipStep<D>(
  def: SagaDefinition<D>,
  state: SagaState<D>,
  step: string,
  output: Record<string, unknown> | undefined,
  operator: Operator,
  ctx: SagaContext,
): ManualResult<D> {
  const stepDef = def.steps.find((s) => s.name === step);
  if (!stepDef) return refuse('STEP_NOT_FOUND', `saga ${def.name} has no step '${step}'`);
  if (!stepDef.skippable) return refuse('NOT_SKIPPABLE', `step '${step}' may not be skipped`);
  if (state.status !== 'RUNNING' || state.currentStep !== step) {
    return invalidState(state, 'skipStep', `step '${step}' is not the running step`);
  }
  const given = output ?? {};
  const missing = requiredFields(stepDef.outputSchema).filter((f) => given[f] === undefined);
  if (missing.length > 0) return refuse('INVALID_OUTPUT', `skipping '${step}' needs output fields: ${missing.join(', ')}`);
  const produced = declaredFields(stepDef.outputSchema);
  const foreign = Object.keys(given).filter((f) => !produced.includes(f));
  if (foreign.length > 0) {
    const allowed = produced.length > 0 ? `it produces only ${produced.join(', ')}` : 'it produces nothing';
    return refuse('INVALID_OUTPUT', `skipping '${step}': ${foreign.map((f) => `${f}: not produced by this step`).join('; ')} (${allowed})`);
  }
  const applied = stepDef.applySkipOutput
    ? stepDef.applySkipOutput(state.data, given)
    : { data: { ...state.data, ...given } as D };
  if ('problems' in applied) return refuse('INVALID_OUTPUT', `skipping '${step}': ${applied.problems.join('; ')}`);

  const t = begin(def, state, ctx, operator, 'skipStep', step);
  t.state.data = applied.data;
  const s = t.stepState(step);
  s.status = 'SKIPPED';
  s.endedAtMs = t.nowMs;
  t.state.timer = null;
  t.event('STEP_SKIPPED', step, { why: 'operator', actor: operator.actor, output: output ?? null });
  advanceFrom(t, def.steps.indexOf(stepDef) + 1, null);
  return finish(t);
}

function requiredFields(schema: Record<string, unknown> | undefined): string[] {
  const required = schema?.required;
  return Array.isArray(required) ? required.filter((f): f is string => typeof f === 'string') : [];
}

/** The fields a step's output schema declares: all a skip may supply. */
function declaredFields(schema: Record<string, unknown> | undefined): string[] {
  const properties = schema?.properties;
  return properties && typeof properties === 'object' ? Object.keys(properties) : [];
}

/**
 * Re-arm a stuck saga: re-send the running step's commands, or carry on compensating; and send
 * again every undo of an unkept effect that gave up (whatever the saga's status).
 */
export function resume<D>(def: SagaDefinition<D>, state: SagaState<D>, operator: Operator, ctx: SagaContext): ManualResult<D> {
  const forward = state.status === 'RUNNING' && state.currentStep !== null;
  const undoing = state.status === 'COMPENSATING' || state.status === 'COMPENSATION_FAILED';
  const unkept = failedUnkeptEffects(state).length > 0;
  if (!forward && !undoing && !unkept) return invalidState(state, 'resume', 'nothing is in progress');
  const t = begin(def, state, ctx, operator, 'resume', state.currentStep);
  if (forward) resendStep(t, state.currentStep!);
  else if (undoing) continueCompensation(t, null);
  retryFailedUnkeptEffects(t);
  return finish(t);
}
