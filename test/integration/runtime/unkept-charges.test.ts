import { bearer } from '../../helpers/auth';
import { postGraphQL } from '../../helpers/graphql';
import { SagaStack, type SagaRow } from '../../helpers/saga-stack';
import { eventually } from '../../helpers/services';

/**
 * CONTRACT.md "Nothing charged is left unrefunded", end to end over the real broker and
 * PostgreSQL: a Payment service that answers a command and its re-send with two different
 * paymentIds, and payments that arrive after their step timed out, while compensating and after
 * the saga ended. Every charge the saga does not keep is refunded exactly once, is recorded on
 * the saga, and the saga's status does not change.
 *
 * Timing (FAST_SAGA_ENV): a step waits 1.5 s per attempt, 2 attempts; the first answer to
 * ProcessPayment comes 5 s late, after the step gave up (or, with forget:, after the re-send
 * was charged and answered at once).
 */
describe('unkept charges are refunded on the real broker and database', () => {
  let stack: SagaStack;
  beforeAll(async () => { stack = await SagaStack.start({}, { lateReplyMs: 5000 }); });
  afterAll(() => stack.stop());

  const ledger = (orderId: string) => stack.participants.ledger.order(orderId)!;

  /** Waits until the Payment service saw as many refunds as expected, then until the saga recorded every undo as done. */
  async function settled(orderId: string, charges: number, refunds: number): Promise<SagaRow> {
    await eventually(() => (ledger(orderId)?.charges.length === charges && ledger(orderId).refunds.length >= refunds ? true : undefined), 30000, `${charges} charges and ${refunds} refunds of ${orderId}`);
    return eventually(async () => {
      const saga = await stack.sagaByOrder(orderId);
      const unkept: any[] = saga?.state.unkept ?? [];
      return unkept.length === refunds && unkept.every((e) => e.status === 'UNDONE') ? saga : undefined;
    }, 30000, `the saga of ${orderId} to record ${refunds} undone unkept charge(s)`);
  }

  /** Refunded exactly the charges the saga did not keep, once each; nothing else left charged. */
  async function expectNothingLeftCharged(saga: SagaRow, orderId: string, kept: string[]): Promise<void> {
    const view = ledger(orderId);
    expect(view.problems).toEqual([]); // e.g. "refunded twice"
    expect(view.openCharges.map((c) => c.paymentId).sort()).toEqual([...kept].sort());
    const refunded = view.refunds.map((r) => r.paymentId);
    expect(new Set(refunded).size).toBe(refunded.length);
    expect(refunded.sort()).toEqual(view.charges.map((c) => c.paymentId).filter((id) => !kept.includes(id)).sort());

    // Recorded on the saga: one UNKEPT_EFFECT per refunded charge, and its RefundPayment caused by the late reply.
    const events = await stack.events(saga.id);
    const reported = events.filter((e) => e.type === 'UNKEPT_EFFECT');
    expect(reported.map((e) => e.detail.key).sort()).toEqual([...refunded].sort());
    const { rows } = await stack.db.query(`select value from outbox_message where saga_id = $1 and topic like '%refund-payment-commands'`, [saga.id]);
    const byPayment = new Map(rows.map((r) => { const v = typeof r.value === 'string' ? JSON.parse(r.value) : r.value; return [v.paymentId, v]; }));
    for (const e of reported) expect(byPayment.get(e.detail.key)?.causationId).toBe(e.detail.eventId);
  }

  it('a re-send answered with a second paymentId, then the late first answer after COMPLETED: the unkept one is refunded once', async () => {
    const order = await stack.participants.createOrder({ scenario: ['late:ProcessPayment', 'forget:ProcessPayment'] });
    await stack.waitForStatus(order.orderId, 'COMPLETED', 30000);
    const saga = await settled(order.orderId, 2, 1);
    expect(saga.status).toBe('COMPLETED');
    expect(saga.state.data.paymentIds).toHaveLength(1);
    await expectNothingLeftCharged(saga, order.orderId, saga.state.data.paymentIds);
    expect(ledger(order.orderId).outcome).toMatchObject({ result: 'APPROVED', paymentIds: saga.state.data.paymentIds });
    expect(ledger(order.orderId).netCharged).toBe(saga.state.data.finalAmount);
    // Operators see it on the saga.
    const { body } = await postGraphQL(stack.service.url, `query($id: ID!) { saga(id: $id) { status unkeptEffects { step key status attempts reportedBy detail } } }`, { id: saga.id }, bearer('viewer'));
    const [unkept] = saga.state.unkept;
    expect(body.data.saga).toEqual({ status: 'COMPLETED', unkeptEffects: [{
      step: 'processPayment', key: unkept.key, status: 'UNDONE', attempts: 1, reportedBy: unkept.reportedBy,
      detail: expect.objectContaining({ amount: saga.state.data.finalAmount }),
    }] });
  });

  it('a split payment charged twice (re-send answered anew): every part of the unkept charge is refunded once', async () => {
    const order = await stack.participants.createOrder({
      scenario: ['late:ProcessSplitPayment', 'forget:ProcessSplitPayment'],
      payments: [{ paymentMethod: 'CREDIT_CARD', amount: '50.00' }, { paymentMethod: 'GIFT_CARD' }],
    });
    await stack.waitForStatus(order.orderId, 'COMPLETED', 30000);
    const saga = await settled(order.orderId, 4, 2);
    expect(saga.status).toBe('COMPLETED');
    expect(saga.state.data.paymentIds).toHaveLength(2);
    await expectNothingLeftCharged(saga, order.orderId, saga.state.data.paymentIds);
    expect(ledger(order.orderId).netCharged).toBe(order.totalAmount);
  });

  it('a payment that arrives after its step timed out and the saga ended TIMED_OUT is refunded; the saga stays TIMED_OUT', async () => {
    const order = await stack.participants.createOrder({ scenario: ['late:ProcessPayment', 'ignore-resend:ProcessPayment'] });
    await stack.waitForStatus(order.orderId, 'TIMED_OUT', 30000);
    const saga = await settled(order.orderId, 1, 1);
    expect(saga.status).toBe('TIMED_OUT');
    await expectNothingLeftCharged(saga, order.orderId, []);
    expect(ledger(order.orderId).outcomes).toBe(1);
    const ended = (await stack.events(saga.id)).filter((e) => e.type === 'SAGA_FAILED');
    expect(ended).toHaveLength(1);
  });

  it('a payment that arrives while the saga compensates is refunded at once; the saga ends as its compensation says', async () => {
    // The release is never answered, so the saga is still compensating when the payment lands.
    const order = await stack.participants.createOrder({ scenario: ['late:ProcessPayment', 'ignore-resend:ProcessPayment', 'fail-release'] });
    const saga = await settled(order.orderId, 1, 1);
    const events = await stack.events(saga.id);
    expect(events.find((e) => e.type === 'UNKEPT_EFFECT')?.detail.sagaStatus).toBe('COMPENSATING');
    const final = await stack.waitForStatus(order.orderId, 'COMPENSATION_FAILED', 30000);
    await expectNothingLeftCharged(final, order.orderId, []);
  });
});
