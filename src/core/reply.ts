/**
 * Applying a participant's reply. Routing is by eventType within the saga (the runtime finds
 * the saga by the envelope's sagaId). Nothing here throws on an odd reply: it is recorded as
 * REPLY_IGNORED with the reason, except a late success, which is never ignored: its effects
 * (money taken, stock reserved) are undone, as unkept effects where the step defines them
 * (unkept.ts), else by compensating the step.
 */
import { compensatingStep, compensationDone, continueCompensation, hasCompensation, startCompensation } from './compensation';
import type { CompensationReplyHandler, IncomingReply, SagaContext, SagaDefinition, StepDefinition } from './definition';
import type { ReplyIgnoredWhy } from './events';
import { failStep, succeedStep } from './forward';
import { isFailedEnd, type SagaState } from './state';
import { Transition, type SagaTransition } from './transition';
import { applyUnkeptUndoReply, undoUnkeptEffects } from './unkept';

export function applyReply<D>(
  def: SagaDefinition<D>,
  state: SagaState<D>,
  reply: IncomingReply,
  ctx: SagaContext,
): SagaTransition<D> {
  const t = new Transition(def, state, ctx);
  route(t, reply);
  return t.done();
}

function route<D>(t: Transition<D>, reply: IncomingReply): void {
  const { state, def } = t;
  if (state.steps.some((s) => s.replyEventIds.includes(reply.eventId))) return ignore(t, reply, 'duplicate', null);
  if (applyUnkeptUndoReply(t, reply)) return;

  const undoing = compensatingStep(state);
  const undoHandler = undoing && t.stepDef(undoing.name).compensation?.replies[reply.eventType];
  if (undoing && undoHandler) return applyCompensationReply(t, undoing.name, undoHandler, reply);

  if (state.status === 'RUNNING' && state.currentStep) {
    const step = t.stepDef(state.currentStep);
    if (step.replies[reply.eventType]) return applyStepReply(t, step, reply);
  }

  const owner = def.steps.find((s) => s.replies[reply.eventType]);
  if (owner?.unkept) {
    if (!undoUnkeptEffects(t, owner, reply)) ignore(t, reply, lateOrNotWaiting(t, owner.name), owner.name);
    return;
  }
  if (owner) return applyLateReply(t, owner, reply);
  const undoOwner = def.steps.find((s) => s.compensation?.replies[reply.eventType]);
  return ignore(t, reply, undoOwner ? 'step not waiting' : 'unexpected type', undoOwner?.name ?? null);
}

function lateOrNotWaiting<D>(t: Transition<D>, step: string): ReplyIgnoredWhy {
  const status = t.stepState(step).status;
  return status === 'FAILED' || status === 'SKIPPED' ? 'late' : 'step not waiting';
}

function ignore<D>(t: Transition<D>, reply: IncomingReply, why: ReplyIgnoredWhy, step: string | null): void {
  t.event('REPLY_IGNORED', step, { eventId: reply.eventId, eventType: reply.eventType, why, sagaStatus: t.state.status });
}

function received<D>(t: Transition<D>, step: string, reply: IncomingReply, detail: Record<string, unknown> = {}): void {
  t.stepState(step).replyEventIds.push(reply.eventId);
  t.event('REPLY_RECEIVED', step, { eventId: reply.eventId, eventType: reply.eventType, ...detail });
}

function applyStepReply<D>(t: Transition<D>, step: StepDefinition<D>, reply: IncomingReply): void {
  received(t, step.name, reply);
  const outcome = step.replies[reply.eventType](t.state.data, reply.payload);
  switch (outcome.kind) {
    case 'succeeded':
      return succeedStep(t, step, outcome.data, reply.eventId, outcome.warning);
    case 'failed':
      return failStep(
        t,
        step,
        { reason: outcome.reason, status: step.failureStatus, data: outcome.data, compensateSelf: outcome.compensateSelf },
        reply.eventId,
      );
    case 'pending':
      t.state.data = outcome.data;
  }
}

function applyCompensationReply<D>(
  t: Transition<D>,
  stepName: string,
  handler: CompensationReplyHandler<D>,
  reply: IncomingReply,
): void {
  received(t, stepName, reply, { phase: 'compensation' });
  const result = handler(t.state.data, reply.payload);
  t.state.data = result.data;
  // Also after COMPENSATION_FAILED: a reply that finally arrives lets the saga carry on.
  if (result.done) compensationDone(t, stepName, reply.eventId);
}

/**
 * A reply for a step that is no longer waiting. If the step failed (e.g. timed out) but the
 * reply says it did take effect, the step now needs compensation: a running unwind picks it
 * up next, an ended saga reopens its compensation, an operator-held saga gets a warning.
 */
function applyLateReply<D>(t: Transition<D>, step: StepDefinition<D>, reply: IncomingReply): void {
  const s = t.stepState(step.name);
  if (s.status !== 'FAILED' && s.status !== 'SKIPPED') return ignore(t, reply, 'step not waiting', step.name);
  const outcome = step.replies[reply.eventType](t.state.data, reply.payload);
  const tookEffect = outcome.kind === 'succeeded' || (outcome.kind === 'failed' && !!outcome.compensateSelf);
  const data = outcome.data ?? t.state.data;
  if (!tookEffect || s.needsCompensation) return ignore(t, reply, 'late', step.name);
  if (s.status === 'SKIPPED' || !hasCompensation(step, data)) {
    ignore(t, reply, 'late', step.name);
    return t.warn(step.name, `late ${reply.eventType} for step ${step.name} (${s.status}) took effect; check by hand`);
  }

  received(t, step.name, reply, { late: true });
  t.state.data = data;
  s.needsCompensation = true;
  t.warn(step.name, `late ${reply.eventType} for step ${step.name} after it failed: compensating it`);
  if (isFailedEnd(t.state.status)) {
    startCompensation(t, reply.eventId, { reopened: true });
  } else if (t.state.status === 'COMPENSATING' && !compensatingStep(t.state)) {
    continueCompensation(t, reply.eventId);
  }
  // COMPENSATING with a step in progress: picked up next. COMPENSATION_FAILED / ABORTED: the
  // operator's compensate includes it.
}
