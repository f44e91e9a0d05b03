/**
 * Effects the saga does not keep (definition.ts, UnkeptEffectsDefinition): found in a reply
 * for a step that is not waiting for it, undone once per key with retries like a compensation,
 * in any status (a completed saga too), and without changing the saga's status.
 */
import type { IncomingReply, ReportedEffect, RetryPolicy, StepDefinition } from './definition';
import { backoffMs, canRetry } from './retry';
import type { SagaState, UnkeptEffect } from './state';
import type { Transition } from './transition';

export function unkeptEffects<D>(state: SagaState<D>): UnkeptEffect[] {
  return state.unkept ?? [];
}

/** When the saga's durable timer must fire: its step timer or an unkept effect's, whichever is first. */
export function nextDueAtMs<D>(state: SagaState<D>): number | null {
  const due = [state.timer?.dueAtMs, ...unkeptEffects(state).map((e) => e.timer?.dueAtMs)].filter((x): x is number => x !== undefined);
  return due.length > 0 ? Math.min(...due) : null;
}

function policy<D>(step: StepDefinition<D>): { retry: RetryPolicy; timeoutMs: number } {
  return {
    retry: step.unkept?.retry ?? step.compensation?.retry ?? step.retry,
    timeoutMs: step.unkept?.timeoutMs ?? step.compensation?.timeoutMs ?? step.timeoutMs,
  };
}

/**
 * A reply for a step that is not waiting for it: undoes the effects it reports that the saga
 * does not keep. Returns false when it reports none (the caller records it as ignored).
 */
export function undoUnkeptEffects<D>(t: Transition<D>, step: StepDefinition<D>, reply: IncomingReply): boolean {
  const known = new Set(unkeptEffects(t.state).filter((e) => e.step === step.name).map((e) => e.key));
  const found = step.unkept!.find(t.state.data, reply.payload).filter((e) => !known.has(e.key));
  if (found.length === 0) return false;
  t.stepState(step.name).replyEventIds.push(reply.eventId);
  const stepStatus = t.stepState(step.name).status;
  for (const effect of found) {
    t.event('UNKEPT_EFFECT', step.name, {
      key: effect.key, eventId: reply.eventId, eventType: reply.eventType, sagaStatus: t.state.status, stepStatus, ...effect.detail,
    });
    t.warn(step.name, `${reply.eventType} reported ${effect.key} for step ${step.name} (${stepStatus}) that the saga does not keep: undoing it`);
    begin(t, step, effect, reply.eventId);
  }
  return true;
}

function begin<D>(t: Transition<D>, step: StepDefinition<D>, effect: ReportedEffect, reportedBy: string): void {
  const reason = `not kept by saga ${t.state.id} (${t.state.status})`;
  const entry: UnkeptEffect = {
    step: step.name, key: effect.key, reportedBy, detail: effect.detail, status: 'UNDOING', attempts: 1,
    commands: [], timer: null, startedAtMs: t.nowMs, endedAtMs: null,
  };
  t.state.unkept = [...unkeptEffects(t.state), entry];
  entry.commands = t.send(step.name, step.unkept!.undo(effect, reason), reportedBy);
  if (Object.keys(step.unkept!.replies).length === 0) return done(t, entry);
  entry.timer = { dueAtMs: t.nowMs + policy(step).timeoutMs, purpose: 'timeout' };
}

function done<D>(t: Transition<D>, entry: UnkeptEffect): void {
  entry.status = 'UNDONE';
  entry.timer = null;
  entry.endedAtMs = t.nowMs;
  t.event('UNKEPT_EFFECT_UNDONE', entry.step, { key: entry.key, attempts: entry.attempts });
}

/** A reply confirming the undo of an unkept effect; false when it confirms none of them. */
export function applyUnkeptUndoReply<D>(t: Transition<D>, reply: IncomingReply): boolean {
  for (const entry of unkeptEffects(t.state)) {
    const confirm = t.def.steps.find((s) => s.name === entry.step)?.unkept?.replies[reply.eventType];
    if (!confirm || confirm(reply.payload) !== entry.key) continue;
    if (entry.status === 'UNDONE') {
      t.event('REPLY_IGNORED', entry.step, { eventId: reply.eventId, eventType: reply.eventType, why: 'duplicate', sagaStatus: t.state.status });
      return true;
    }
    t.stepState(entry.step).replyEventIds.push(reply.eventId);
    t.event('REPLY_RECEIVED', entry.step, { eventId: reply.eventId, eventType: reply.eventType, phase: 'unkept', key: entry.key });
    done(t, entry);
    return true;
  }
  return false;
}

/** Fires the due timers of unkept effects: a timeout schedules a retry or gives up; a retry re-sends. */
export function fireUnkeptTimers<D>(t: Transition<D>): void {
  for (const entry of unkeptEffects(t.state)) {
    if (!entry.timer || entry.timer.dueAtMs > t.nowMs) continue;
    const step = t.stepDef(entry.step);
    const { retry, timeoutMs } = policy(step);
    if (entry.timer.purpose === 'retry') {
      resend(t, entry, timeoutMs);
      continue;
    }
    t.event('TIMED_OUT', entry.step, { phase: 'unkept', key: entry.key, attempt: entry.attempts });
    if (canRetry(retry, entry.attempts)) {
      const nextAtMs = t.nowMs + backoffMs(retry, entry.attempts + 1, t.ctx.random());
      entry.timer = { dueAtMs: nextAtMs, purpose: 'retry' };
      t.event('RETRY_SCHEDULED', entry.step, { phase: 'unkept', key: entry.key, attempt: entry.attempts + 1, nextAtMs });
      continue;
    }
    entry.status = 'FAILED';
    entry.timer = null;
    const reason = `undo of ${entry.key} (step ${entry.step}, not kept): no reply after ${entry.attempts} attempt(s)`;
    t.state.lastError = reason;
    t.event('UNKEPT_EFFECT_UNDO_FAILED', entry.step, { key: entry.key, attempts: entry.attempts, reason });
    t.warn(entry.step, `${reason}; resume the saga to try again`);
  }
}

function resend<D>(t: Transition<D>, entry: UnkeptEffect, timeoutMs: number): void {
  entry.attempts += 1;
  entry.status = 'UNDOING';
  t.resend(entry.step, entry.commands, entry.attempts - 1);
  entry.timer = { dueAtMs: t.nowMs + timeoutMs, purpose: 'timeout' };
}

/** Undos that gave up, for an operator to send again. */
export function failedUnkeptEffects<D>(state: SagaState<D>): UnkeptEffect[] {
  return unkeptEffects(state).filter((e) => e.status === 'FAILED');
}

/** An operator's new attempt at every undo that gave up (same eventIds, retryCount + 1). */
export function retryFailedUnkeptEffects<D>(t: Transition<D>): void {
  for (const entry of failedUnkeptEffects(t.state)) resend(t, entry, policy(t.stepDef(entry.step)).timeoutMs);
}
