import {
  abort,
  applyReply,
  compensate,
  fireTimer,
  resume,
  retryStep,
  skipStep,
  startSaga,
  type ManualResult,
  type SagaState,
  type SagaTransition,
} from '../../../src/core';
import { TestContext } from '../support/context';
import { TOY_START, toyDefinition as def, toyReply, type ToyData } from '../support/toy';

const ops = { actor: 'alice', reason: 'ticket OPS-12' };

function ok(result: ManualResult<ToyData>): SagaTransition<ToyData> {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result;
}

/** Saga waiting at `collect` (book done). */
function atCollect(ctx: TestContext): SagaState<ToyData> {
  const s = startSaga(def, TOY_START, ctx).state;
  return applyReply(def, s, toyReply('Booked', { booking: 'B-1' }), ctx).state;
}

/** Saga whose Cancel compensation gave up (COMPENSATION_FAILED). */
function compensationFailed(ctx: TestContext): SagaState<ToyData> {
  let s = applyReply(def, atCollect(ctx), toyReply('PartFailed'), ctx).state;
  while (s.timer) {
    ctx.nowMs = s.timer.dueAtMs;
    s = fireTimer(def, s, ctx).state;
  }
  return s;
}

describe('manual: compensate', () => {
  it('stops a running saga and undoes what was done, ending COMPENSATED', () => {
    const ctx = new TestContext();
    const t = ok(compensate(def, atCollect(ctx), ops, ctx));
    expect(t.events[0]).toMatchObject({ type: 'MANUAL_ACTION', detail: { actor: 'alice', reason: 'ticket OPS-12', action: 'compensate' } });
    expect(t.state.steps.map((s) => s.status)).toEqual(['COMPENSATING', 'SKIPPED', 'FAILED', 'PENDING']);
    expect(t.outbox.map((m) => [m.eventType, m.value.why])).toEqual([['Cancel', 'compensated by alice: ticket OPS-12']]);
    const end = applyReply(def, t.state, toyReply('Cancelled'), ctx);
    expect(end.state.status).toBe('COMPENSATED');
    expect(end.outbox.map((m) => [m.eventType, m.value.status])).toEqual([['Failed', 'COMPENSATED']]);
  });

  it('retries the compensation that gave up, as a re-send', () => {
    const ctx = new TestContext();
    const stuck = compensationFailed(ctx);
    expect(stuck.status).toBe('COMPENSATION_FAILED');
    const cancelId = stuck.steps[0].compensationCommands[0].eventId;
    const t = ok(compensate(def, stuck, ops, ctx));
    expect(t.state.status).toBe('COMPENSATING');
    expect(t.outbox.map((m) => [m.eventId, m.value.retryCount])).toEqual([[cancelId, 2]]);
    expect(t.state.timer).toMatchObject({ phase: 'compensation', purpose: 'timeout', step: 'book' });
    // the original failure status is kept
    expect(applyReply(def, t.state, toyReply('Cancelled'), ctx).state.status).toBe('UNCOLLECTED');
  });

  it('undoes what an aborted saga left behind, and tells the outcome once', () => {
    const ctx = new TestContext();
    const aborted = ok(abort(def, atCollect(ctx), ops, ctx)).state;
    const t = ok(compensate(def, aborted, ops, ctx));
    expect(t.outbox.map((m) => m.eventType)).toEqual(['Cancel']);
    const end = applyReply(def, t.state, toyReply('Cancelled'), ctx);
    expect(end.state.status).toBe('COMPENSATED');
    expect(end.outbox.map((m) => m.eventType)).toEqual(['Failed']);
  });

  it('refuses when there is nothing to compensate or it is already compensating', () => {
    const ctx = new TestContext();
    let s = startSaga(def, TOY_START, ctx).state;
    s = applyReply(def, s, toyReply('BookFailed'), ctx).state;
    expect(s.status).toBe('NO_ROOM');
    expect(compensate(def, s, ops, ctx)).toEqual({ ok: false, code: 'INVALID_STATE', message: expect.stringContaining('nothing left to compensate') });
    const compensating = ok(compensate(def, atCollect(ctx), ops, ctx)).state;
    expect(compensate(def, compensating, ops, ctx)).toMatchObject({ ok: false, code: 'INVALID_STATE', message: expect.stringContaining('already compensating') });
  });
});

describe('manual: abort', () => {
  it('stops without compensating or telling anyone', () => {
    const ctx = new TestContext();
    const t = ok(abort(def, atCollect(ctx), ops, ctx));
    expect(t.state).toMatchObject({ status: 'ABORTED', timer: null, currentStep: null, endedAtMs: ctx.nowMs });
    expect(t.outbox).toEqual([]);
    expect(t.state.steps[0]).toMatchObject({ status: 'SUCCEEDED', needsCompensation: true });
    expect(t.events.map((e) => e.type)).toEqual(['MANUAL_ACTION', 'SAGA_FAILED']);
  });

  it('refuses an ended saga', () => {
    const ctx = new TestContext();
    const aborted = ok(abort(def, atCollect(ctx), ops, ctx)).state;
    expect(abort(def, aborted, ops, ctx)).toMatchObject({ ok: false, code: 'INVALID_STATE' });
  });
});

describe('manual: retryStep', () => {
  it('re-sends the running step as a new attempt', () => {
    const ctx = new TestContext();
    const s = atCollect(ctx);
    const t = ok(retryStep(def, s, 'collect', ops, ctx.advance(500)));
    expect(t.outbox.map((m) => [m.eventId, m.value.retryCount])).toEqual([[s.steps[2].commands[0].eventId, 1]]);
    expect(t.state.steps[2].attempts).toBe(2);
    expect(t.state.timer).toEqual({ dueAtMs: ctx.nowMs + 2_000, purpose: 'timeout', step: 'collect', phase: 'forward', attempt: 2 });
    expect(t.events[0]).toMatchObject({ type: 'MANUAL_ACTION', step: 'collect' });
  });

  it('re-sends a compensation that gave up', () => {
    const ctx = new TestContext();
    const t = ok(retryStep(def, compensationFailed(ctx), 'book', ops, ctx));
    expect(t.outbox.map((m) => m.eventType)).toEqual(['Cancel']);
    expect(t.state.status).toBe('COMPENSATING');
  });

  it('names the error: unknown step, or a step not in progress', () => {
    const ctx = new TestContext();
    const s = atCollect(ctx);
    expect(retryStep(def, s, 'nope', ops, ctx)).toMatchObject({ ok: false, code: 'STEP_NOT_FOUND' });
    expect(retryStep(def, s, 'book', ops, ctx)).toMatchObject({ ok: false, code: 'INVALID_STATE' });
  });
});

describe('manual: skipStep', () => {
  it('skips the running step with the operator’s output and moves on', () => {
    const ctx = new TestContext();
    const t = ok(skipStep(def, atCollect(ctx), 'collect', { extra: 'paid cash' }, ops, ctx));
    expect(t.state.data.extra).toBe('paid cash');
    expect(t.state.status).toBe('COMPLETED');
    expect(t.state.steps[2]).toMatchObject({ status: 'SKIPPED', needsCompensation: false });
    expect(t.outbox.map((m) => m.eventType)).toEqual(['Notice', 'Done']);
    expect(t.events.find((e) => e.type === 'STEP_SKIPPED')?.detail).toMatchObject({ why: 'operator', actor: 'alice' });
  });

  it('names the error for each refusal', () => {
    const ctx = new TestContext();
    const s = atCollect(ctx);
    expect(skipStep(def, s, 'ghost', {}, ops, ctx)).toMatchObject({ ok: false, code: 'STEP_NOT_FOUND' });
    expect(skipStep(def, s, 'book', {}, ops, ctx)).toMatchObject({ ok: false, code: 'NOT_SKIPPABLE' });
    expect(skipStep(def, s, 'optional', {}, ops, ctx)).toMatchObject({ ok: false, code: 'INVALID_STATE' });
    expect(skipStep(def, s, 'collect', undefined, ops, ctx)).toEqual({
      ok: false,
      code: 'INVALID_OUTPUT',
      message: "skipping 'collect' needs output fields: extra",
    });
  });

  it('records a reply that still arrives for the skipped step, with a warning', () => {
    const ctx = new TestContext();
    const half = applyReply(def, atCollect(ctx), toyReply('Part'), ctx).state;
    const skipped = ok(skipStep(def, half, 'collect', { extra: 'x' }, ops, ctx)).state;
    const late = applyReply(def, skipped, toyReply('Part'), ctx); // would have completed the step
    expect(late.events[0].detail).toMatchObject({ why: 'late' });
    expect(late.events.map((e) => e.type)).toEqual(['REPLY_IGNORED', 'WARNING']);
    expect(late.state.warnings).toHaveLength(1);
  });
});

describe('manual: resume', () => {
  it('re-sends the running step', () => {
    const ctx = new TestContext();
    const s = atCollect(ctx);
    const t = ok(resume(def, s, ops, ctx));
    expect(t.outbox.map((m) => [m.eventType, m.value.retryCount])).toEqual([['Collect', 1]]);
  });

  it('carries on a compensation', () => {
    const ctx = new TestContext();
    const t = ok(resume(def, compensationFailed(ctx), ops, ctx));
    expect(t.state.status).toBe('COMPENSATING');
    expect(t.outbox.map((m) => m.eventType)).toEqual(['Cancel']);
  });

  it('refuses an ended saga', () => {
    const ctx = new TestContext();
    const done = ok(skipStep(def, atCollect(ctx), 'collect', { extra: 'x' }, ops, ctx)).state;
    expect(resume(def, done, ops, ctx)).toMatchObject({ ok: false, code: 'INVALID_STATE', message: expect.stringContaining('COMPLETED') });
  });
});
