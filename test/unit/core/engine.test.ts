import { applyReply, fireTimer, startSaga, type SagaState } from '../../../src/core';
import { TestContext, T0, testId } from '../support/context';
import { TOY_START, toyDefinition as def, toyReply, type ToyData } from '../support/toy';

function started(ctx = new TestContext()) {
  return startSaga(def, TOY_START, ctx);
}

function booked(ctx = new TestContext()): SagaState<ToyData> {
  return applyReply(def, started(ctx).state, toyReply('Booked', { booking: 'B-7' }), ctx).state;
}

describe('engine: startSaga', () => {
  it('creates the state and sends the first step’s commands in the envelope', () => {
    const ctx = new TestContext();
    const { state, outbox, events } = started(ctx);
    expect(state).toMatchObject({
      id: TOY_START.sagaId,
      definitionName: 'toy',
      definitionVersion: 3,
      businessKey: TOY_START.businessKey,
      correlationId: TOY_START.correlationId,
      status: 'RUNNING',
      currentStep: 'book',
      startedAtMs: T0,
      endedAtMs: null,
      timer: { dueAtMs: T0 + 1_000, purpose: 'timeout', step: 'book', phase: 'forward', attempt: 1 },
    });
    expect(outbox).toEqual([
      {
        eventId: testId(0x1000001),
        topic: 'book-commands',
        key: TOY_START.businessKey,
        eventType: 'Book',
        step: 'book',
        value: {
          eventId: testId(0x1000001),
          eventType: 'Book',
          sagaId: TOY_START.sagaId,
          bookingRef: TOY_START.businessKey,
          correlationId: TOY_START.correlationId,
          causationId: TOY_START.causationId,
          timestamp: '2025-01-01T00:00:00.000Z',
          retryCount: 0,
          rooms: 1,
        },
      },
    ]);
    expect(state.steps[0]).toMatchObject({ status: 'RUNNING', attempts: 1, commandEventIds: [testId(0x1000001)] });
    expect(events.map((e) => e.type)).toEqual(['SAGA_STARTED', 'STEP_STARTED', 'COMMAND_SENT']);
  });

  it('defaults the correlationId to the sagaId', () => {
    const { state } = startSaga(def, { ...TOY_START, correlationId: undefined }, new TestContext());
    expect(state.correlationId).toBe(TOY_START.sagaId);
  });
});

describe('engine: applyReply', () => {
  it('skips a step whose `when` is false and records why', () => {
    const ctx = new TestContext();
    const t = applyReply(def, started(ctx).state, toyReply('Booked', { booking: 'B-7' }), ctx);
    expect(t.state.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'SKIPPED', 'RUNNING', 'PENDING']);
    expect(t.events.find((e) => e.type === 'STEP_SKIPPED')).toMatchObject({ step: 'optional', detail: { why: 'not applicable' } });
    expect(t.state.data.booking).toBe('B-7');
    expect(t.outbox.map((m) => [m.eventType, m.value.causationId])).toEqual([['Collect', expect.stringMatching(/^ffffffff-/)]]);
  });

  it('runs an optional step when it applies', () => {
    const ctx = new TestContext();
    const start = startSaga(def, { ...TOY_START, data: { ...TOY_START.data, flag: true } }, ctx);
    const t = applyReply(def, start.state, toyReply('Booked', { booking: 'B' }), ctx);
    expect(t.state.currentStep).toBe('optional');
  });

  it('keeps a multi-reply step waiting while pending, then completes through a no-reply step', () => {
    const ctx = new TestContext();
    const first = applyReply(def, booked(ctx), toyReply('Part'), ctx);
    expect(first.state.currentStep).toBe('collect');
    expect(first.state.data.parts).toBe(1);
    expect(first.outbox).toEqual([]);
    expect(first.events.map((e) => e.type)).toEqual(['REPLY_RECEIVED']);

    const second = applyReply(def, first.state, toyReply('Part'), ctx);
    expect(second.outbox.map((m) => [m.eventType, m.step])).toEqual([
      ['Notice', 'notify'],
      ['Done', null],
    ]);
    expect(second.state.status).toBe('COMPLETED');
    expect(second.state.outcomeSent).toBe(true);
    expect(second.state.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'SKIPPED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('compensates in reverse order, including a failed step with partial effects', () => {
    const ctx = new TestContext();
    const partial = applyReply(def, booked(ctx), toyReply('Part'), ctx).state;
    const failed = applyReply(def, partial, toyReply('PartFailed'), ctx);
    // collect's Undo expects no reply, so book's Cancel follows in the same transition
    expect(failed.outbox.map((m) => m.eventType)).toEqual(['Undo', 'Cancel']);
    expect(failed.outbox[1].value).toMatchObject({ booking: 'B-7', why: 'part bounced' });
    expect(failed.state.steps.map((s) => s.status)).toEqual(['COMPENSATING', 'SKIPPED', 'COMPENSATED', 'PENDING']);
    expect(failed.events.map((e) => e.type)).toEqual([
      'REPLY_RECEIVED', 'STEP_FAILED', 'COMPENSATION_STARTED', 'COMPENSATION_STEP_STARTED', 'COMMAND_SENT',
      'COMPENSATION_STEP_DONE', 'COMPENSATION_STEP_STARTED', 'COMMAND_SENT',
    ]);
    expect(failed.events[2].detail).toMatchObject({ plan: ['collect', 'book'], failureStatus: 'UNCOLLECTED' });

    const done = applyReply(def, failed.state, toyReply('Cancelled'), ctx);
    expect(done.state.status).toBe('UNCOLLECTED');
    expect(done.outbox.map((m) => [m.eventType, m.value.status, m.value.reason])).toEqual([['Failed', 'UNCOLLECTED', 'part bounced']]);
    expect(done.state.endedAtMs).toBe(ctx.nowMs);
  });

  it('never mutates the state it is given', () => {
    const ctx = new TestContext();
    const before = booked(ctx);
    const snapshot = structuredClone(before);
    applyReply(def, before, toyReply('PartFailed'), ctx);
    fireTimer(def, before, ctx.advance(10_000));
    expect(before).toEqual(snapshot);
  });
});

describe('engine: fireTimer', () => {
  it('does nothing before the timer is due, or without a timer', () => {
    const ctx = new TestContext();
    const s = started(ctx).state;
    const early = fireTimer(def, s, ctx.advance(999));
    expect(early.events).toEqual([]);
    expect(early.state).toEqual(s);
    const ended = { ...s, timer: null };
    expect(fireTimer(def, ended, ctx.advance(10_000)).events).toEqual([]);
  });

  it('clears a stale timer that no longer matches the running step', () => {
    const ctx = new TestContext();
    const s = booked(ctx);
    const stale: SagaState<ToyData> = { ...s, timer: { ...s.timer!, step: 'book' } };
    const t = fireTimer(def, stale, ctx.advance(60_000));
    expect(t.state.timer).toBeNull();
    expect(t.events.map((e) => [e.type, e.detail.warning])).toEqual([['WARNING', 'stale timer cleared']]);
    expect(t.outbox).toEqual([]);
  });

  it('fails the step with TIMED_OUT once attempts are used up', () => {
    const ctx = new TestContext();
    let s = started(ctx).state;
    for (let i = 0; i < 3; i++) {
      ctx.nowMs = s.timer!.dueAtMs;
      s = fireTimer(def, s, ctx).state;
    }
    expect(s.status).toBe('TIMED_OUT');
    expect(s.steps[0]).toMatchObject({ status: 'FAILED', attempts: 2, lastError: 'book: no reply after 2 attempt(s) of 1000 ms' });
  });
});
