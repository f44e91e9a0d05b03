import type { OutboxMessage } from '../../../src/core';
import type { ContractMessage } from '../../../src/sagas/order/contract';
import { receivedMessage } from '../../../src/runtime/ports';
import type { AnySagaState } from '../../../src/runtime/ports';
import { continueTransition, endTransition, messageSpan, traceOutbox } from '../../../src/runtime/saga-tracing';
import { recordSpans } from '../../helpers/tracing';
import { parseTraceparent } from '../../../src/tracing/traceparent';

const SAGA_TRACE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const state = {
  id: 's-1', definitionName: 'order', traceparent: SAGA_TRACE, status: 'COMPENSATING', currentStep: 'applyCoupon',
  steps: [{ name: 'applyCoupon', attempts: 1, compensationAttempts: 1, commandEventIds: ['c-1'], compensationEventIds: ['c-2'] }],
} as unknown as AnySagaState;
const reply = { eventId: 'r-1', eventType: 'CouponCancelled', sagaId: 's-1' } as unknown as ContractMessage;
const outbox = (eventId: string, step: string | null): OutboxMessage => ({ eventId, topic: 't', key: 'k', eventType: 'X', value: {}, step });

describe('saga tracing: where transitions and commands go in the trace', () => {
  it('with tracing off passes the saga\'s own traceparent on, unchanged, and makes no spans', () => {
    const raw = receivedMessage('coupon-cancelled', 0, '5', null, null, {});
    expect(messageSpan(raw, reply)).toBeUndefined();
    const t = continueTransition('saga reply', state, { raw });
    expect(t).toEqual({ traceparent: SAGA_TRACE });
    const messages = [outbox('c-2', 'applyCoupon'), outbox('o-1', null)];
    traceOutbox(t, state, messages);
    expect(messages.map((m) => m.headers)).toEqual([{ traceparent: SAGA_TRACE }, { traceparent: SAGA_TRACE }]);
    // A saga stored before traceparents existed sends none.
    const old = [outbox('c-3', 'applyCoupon')];
    traceOutbox(continueTransition('saga reply', { ...state, traceparent: undefined }), state, old);
    expect(old[0].headers).toBeUndefined();
  });

  describe('with tracing on', () => {
    const exporter = recordSpans('unit');

    it('puts a reply without a traceparent in the saga\'s trace, linked to the reply\'s own span', () => {
      const raw = receivedMessage('coupon-cancelled', 0, '5', null, null, {});
      const span = messageSpan(raw, reply)!;
      const t = continueTransition('saga reply CouponCancelled', state, { raw, span });
      endTransition(t, state);
      span.end();
      const [transition] = exporter.getFinishedSpans().filter((s) => s.name === 'saga reply CouponCancelled');
      expect(transition.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(transition.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
      expect(transition.links.map((l) => l.context.spanId)).toEqual([span.spanContext().spanId]);
      expect(transition.attributes).toMatchObject({ 'saga.id': 's-1', 'saga.type': 'order', 'saga.status': 'COMPENSATING', 'saga.step': 'applyCoupon' });
    });

    it('puts a reply with a traceparent under the reply\'s span, and gives each command a step or compensation span', () => {
      const participant = '00-0af7651916cd43dd8448eb211c80319c-00000000000000aa-01';
      const raw = receivedMessage('coupon-cancelled', 0, '5', null, null, { traceparent: [Buffer.from(participant)] });
      const span = messageSpan(raw, reply)!;
      expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      const t = continueTransition('saga reply CouponCancelled', state, { raw, span });
      const messages = [outbox('c-2', 'applyCoupon'), outbox('c-1', 'applyCoupon'), outbox('o-1', null)];
      traceOutbox(t, state, messages);
      endTransition(t, state);
      span.end();
      const spans = exporter.getFinishedSpans();
      const byName = (name: string) => spans.filter((s) => s.name === name);
      expect(byName('process CouponCancelled')[0].parentSpanContext?.spanId).toBe('00000000000000aa');
      const transition = byName('saga reply CouponCancelled')[0];
      expect(transition.parentSpanContext?.spanId).toBe(span.spanContext().spanId);
      const [compensate] = byName('compensate applyCoupon');
      const [forward] = byName('step applyCoupon');
      expect(compensate.attributes).toMatchObject({ 'saga.step': 'applyCoupon', 'saga.step.phase': 'compensation', 'messaging.message.id': 'c-2' });
      expect(forward.attributes).toMatchObject({ 'saga.step.phase': 'forward', 'messaging.message.id': 'c-1' });
      for (const s of [compensate, forward]) expect(s.parentSpanContext?.spanId).toBe(transition.spanContext().spanId);
      // Each command names its own span; the final event the transition's.
      expect(parseTraceparent(messages[0].headers!.traceparent)!.spanId).toBe(compensate.spanContext().spanId);
      expect(parseTraceparent(messages[1].headers!.traceparent)!.spanId).toBe(forward.spanContext().spanId);
      expect(parseTraceparent(messages[2].headers!.traceparent)!.spanId).toBe(transition.spanContext().spanId);
    });
  });
});
