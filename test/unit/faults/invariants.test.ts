/**
 * The fault suite's invariant checks must be able to fail: each is fed a run that breaks it
 * (a ledger and saga rows written by hand) and must name the broken order.
 */
import { Ledger } from '../../../src/participants';
import { buildOrder } from '../../../src/participants/order';
import { exactlyOneOutcome, noEffectTwice, noSagaStuck, nothingLeftCharged, readyTellsTheTruth, streamComplete, type Evidence } from '../../faults/harness/invariants';
import type { HealthySubscriber } from '../../faults/harness/subscribers';
import { ORDER_MIX, type PlacedOrder } from '../../faults/harness/order-stream';

const success = ORDER_MIX.find((k) => k.name === 'success')!;

function placed(kind = success): PlacedOrder {
  const message = buildOrder(kind.input);
  return { orderId: message.orderId, kind, message, placedAt: 0, failedAttempts: 0 };
}

function evidence(ledger: Ledger, orders: PlacedOrder[], extra: Partial<Evidence> = {}): Evidence {
  return {
    db: undefined as never, ledger, orders, poisons: [], deadLetters: [], subscriber: undefined as never, readySamples: [], finalReady: [],
    window: { readyMustDrop: false, liveStepsMustBeComplete: false, endedAt: 0 }, ...extra,
  };
}

const saga = (orderId: string, status: string, hasTimer = false) => [orderId, { id: `saga-${orderId}`, order_id: orderId, status, event_seq: 5, has_timer: hasTimer }] as const;
const charge = (paymentId: string, amount = '89.80') => ({ paymentId, transactionId: `txn-${paymentId}`, paymentMethod: 'CREDIT_CARD', amount, refunded: false });

describe('fault suite invariants', () => {
  it('an order with no final event is lost, one with two is doubled', () => {
    const ledger = new Ledger();
    const [lost, twice] = [placed(), placed()];
    ledger.record(twice.orderId).outcomes = 2;
    ledger.record(twice.orderId).outcome = { result: 'APPROVED', finalAmount: '89.80', currency: 'EUR', paymentIds: [] };
    const result = exactlyOneOutcome(evidence(ledger, [lost, twice]), new Map([saga(lost.orderId, 'RUNNING', true), saga(twice.orderId, 'COMPLETED')]));
    expect(result.lost).toBe(1);
    expect(result.doubledOutcomes).toBe(1);
    expect(result.violations.join('\n')).toContain(lost.orderId);
  });

  it('an order that timed out is a wrong outcome unless it ran while a dependency was down', () => {
    const ledger = new Ledger();
    const [during, after] = [placed(), placed()];
    after.placedAt = 30_000;
    for (const o of [during, after]) {
      ledger.record(o.orderId).outcomes = 1;
      ledger.record(o.orderId).outcome = { result: 'CANCELLED', status: 'TIMED_OUT', reason: 'timeout' };
    }
    const sagas = new Map([saga(during.orderId, 'TIMED_OUT'), saga(after.orderId, 'TIMED_OUT')]);
    const noOutage = exactlyOneOutcome(evidence(ledger, [during, after]), sagas);
    expect(noOutage.violations).toHaveLength(2);
    const window = { readyMustDrop: true, liveStepsMustBeComplete: false, downFrom: 0, downTo: 20_000, endedAt: 20_000 };
    const outage = exactlyOneOutcome(evidence(ledger, [during, after], { window }), sagas);
    expect(outage.violations).toEqual([`success order ${after.orderId}: ended TIMED_OUT, expected ${success.expected}`]);
  });

  it('a second charge for one payment part is an effect applied twice', () => {
    const ledger = new Ledger();
    const order = placed();
    ledger.record(order.orderId).charges.push(charge('p-1'), charge('p-2'));
    expect(noEffectTwice(evidence(ledger, [order])).doubled).toBe(1);
  });

  it('an approved order keeping a charge it does not name, or a cancelled one keeping any, is unrefunded', () => {
    const ledger = new Ledger();
    const [approved, cancelled] = [placed(), placed()];
    const a = ledger.record(approved.orderId);
    a.charges.push(charge('kept'), charge('stray'));
    a.outcome = { result: 'APPROVED', finalAmount: '89.80', currency: 'EUR', paymentIds: ['kept'] };
    const c = ledger.record(cancelled.orderId);
    c.charges.push(charge('timed-out'));
    c.outcome = { result: 'CANCELLED', status: 'TIMED_OUT', reason: 'timeout' };
    const result = nothingLeftCharged(evidence(ledger, [approved, cancelled]));
    expect(result.unrefunded).toBe(2);
    expect(result.violations.join('\n')).toContain('stray');
  });

  it('a running saga without a timer, or one waiting for an operator, is stuck', () => {
    const sagas = new Map([saga('a', 'RUNNING', false), saga('b', 'RUNNING', true), saga('c', 'COMPENSATION_FAILED'), saga('d', 'COMPLETED')]);
    expect(noSagaStuck(sagas).stuck).toBe(2);
  });

  it('/ready answering 200 while a dependency is down, or not 200 after, is wrong', () => {
    const sample = (at: number, status: number) => ({ at, url: 'http://x', status, body: {} });
    const window = { readyMustDrop: true, liveStepsMustBeComplete: false, endedAt: 20_000, downFrom: 0, downTo: 20_000 };
    const lying = readyTellsTheTruth(evidence(new Ledger(), [], { window, readySamples: [sample(6_000, 200), sample(8_000, 200)], finalReady: [sample(21_000, 503)] }));
    expect(lying.violations).toHaveLength(3);
    const truthful = readyTellsTheTruth(evidence(new Ledger(), [], { window, readySamples: [sample(6_000, 503), sample(8_000, 503)], finalReady: [sample(21_000, 200)] }));
    expect(truthful.violations).toEqual([]);
  });

  it("a saga whose feed events came out of sequence order breaks the stream invariant, and is counted", async () => {
    const [inOrder, reordered] = [placed(), placed()];
    const sagas = new Map([saga(inOrder.orderId, 'COMPLETED'), saga(reordered.orderId, 'COMPLETED')]);
    const rows = [inOrder, reordered].flatMap((o) => [1, 2, 3].map((seq) => ({ saga_id: `saga-${o.orderId}`, seq, step: null, type: 'STEP_STARTED' })));
    const subscriber = {
      feed: new Map([[`saga-${inOrder.orderId}`, [1, 2, 3]], [`saga-${reordered.orderId}`, [1, 3, 2]]]),
      steps: new Map(), errors: [], reconnects: 0, connectedAt: 0,
    } as unknown as HealthySubscriber;
    const db = { query: async () => ({ rows }) } as unknown as Evidence['db'];
    const result = await streamComplete(evidence(new Ledger(), [inOrder, reordered], { db, subscriber, window: { readyMustDrop: false, liveStepsMustBeComplete: false, endedAt: Date.now() } }), sagas);
    expect(result.reorderedSagas).toBe(1);
    expect(result.missingSagas).toBe(0);
    expect(result.violations.join('\n')).toContain(`saga-${reordered.orderId}: out of sequence order (1, 3, 2)`);
    expect(result.violations.join('\n')).not.toContain(`saga-${inOrder.orderId}`);
  });
});
