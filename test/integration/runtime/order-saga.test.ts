import { randomUUID } from 'node:crypto';
import { SagaStack } from '../../helpers/saga-stack';
import { eventually } from '../../helpers/services';

/** Every row of CONTRACT.md's failure table, end to end through Kafka and PostgreSQL. */
describe('order sagas on the real broker and database (coupon policy continue)', () => {
  let stack: SagaStack;
  beforeAll(async () => { stack = await SagaStack.start(); });
  afterAll(() => stack.stop());

  const ledger = (orderId: string) => stack.participants.ledger.order(orderId);
  const outcome = (orderId: string) => eventually(() => ledger(orderId)?.outcome ?? undefined, 20000, `outcome of ${orderId}`);

  it('completes a single payment with a coupon: reserve, coupon, pay the discounted amount, confirm, approve', async () => {
    const order = await stack.participants.createOrder({ couponCode: 'SAVE10' });
    const saga = await stack.waitForStatus(order.orderId, 'COMPLETED');
    const result = await outcome(order.orderId);
    const view = ledger(order.orderId)!;
    expect(result).toMatchObject({ result: 'APPROVED', finalAmount: saga.state.data.finalAmount });
    expect(view.coupons).toHaveLength(1);
    expect(view.charges).toHaveLength(1);
    expect(view.charges[0].amount).toBe(view.coupons[0].finalAmount);
    expect(view.reservations).toHaveLength(1);
    expect(view.confirmations).toHaveLength(1);
    expect(saga.state.steps.map((s: any) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const events = await stack.events(saga.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.type).toBe('SAGA_COMPLETED');
  });

  it('skips the coupon step without a coupon code', async () => {
    const order = await stack.participants.createOrder({});
    const saga = await stack.waitForStatus(order.orderId, 'COMPLETED');
    expect(saga.state.steps.find((s: any) => s.name === 'applyCoupon').status).toBe('SKIPPED');
    expect(ledger(order.orderId)!.charges[0].amount).toBe(order.totalAmount);
  });

  it('reservation failed: INVENTORY_ERROR, nothing to compensate, order cancelled', async () => {
    const order = await stack.participants.createOrder({ scenario: 'fail-reservation', couponCode: 'SAVE10' });
    await stack.waitForStatus(order.orderId, 'INVENTORY_ERROR');
    expect(await outcome(order.orderId)).toMatchObject({ result: 'CANCELLED', status: 'INVENTORY_ERROR' });
    const view = ledger(order.orderId)!;
    expect(view.coupons).toHaveLength(0);
    expect(view.charges).toHaveLength(0);
    expect(view.releases).toHaveLength(0);
  });

  it('coupon rejected with policy continue: pays the original amount and records a warning', async () => {
    const order = await stack.participants.createOrder({ scenario: 'reject-coupon', couponCode: 'BOGUS' });
    const saga = await stack.waitForStatus(order.orderId, 'COMPLETED');
    expect(saga.state.warnings.join(' ')).toMatch(/coupon/i);
    expect(ledger(order.orderId)!.charges[0].amount).toBe(order.totalAmount);
    expect((await stack.events(saga.id)).some((e) => e.type === 'WARNING')).toBe(true);
  });

  it('payment failed: cancels the coupon, releases inventory, PAYMENT_FAILED', async () => {
    const order = await stack.participants.createOrder({ scenario: 'fail-payment', couponCode: 'SAVE10' });
    await stack.waitForStatus(order.orderId, 'PAYMENT_FAILED');
    expect(await outcome(order.orderId)).toMatchObject({ result: 'CANCELLED', status: 'PAYMENT_FAILED' });
    const view = ledger(order.orderId)!;
    expect(view.couponCancellations).toHaveLength(1);
    expect(view.releases).toHaveLength(1);
    expect(view.openReservations).toEqual([]);
    expect(view.activeCoupons).toEqual([]);
    expect(view.charges).toHaveLength(0);
  });

  it('split payment with one failed part: refunds exactly the parts that succeeded', async () => {
    const order = await stack.participants.createOrder({
      scenario: 'fail-payment-part:GIFT_CARD',
      payments: [{ paymentMethod: 'CREDIT_CARD' }, { paymentMethod: 'WALLET' }, { paymentMethod: 'GIFT_CARD' }],
    });
    const saga = await stack.waitForStatus(order.orderId, 'PAYMENT_FAILED');
    const view = ledger(order.orderId)!;
    expect(view.charges.map((c) => c.paymentMethod).sort()).toEqual(['CREDIT_CARD', 'WALLET']);
    expect(view.refunds.map((r) => r.paymentId).sort()).toEqual(view.charges.map((c) => c.paymentId).sort());
    expect(view.refunds.map((r) => r.amount).sort()).toEqual(view.charges.map((c) => c.amount).sort());
    expect(view.netCharged).toMatch(/^0(\.0+)?$/);
    expect(view.releases).toHaveLength(1);
    expect(saga.state.steps.find((s: any) => s.name === 'processPayment').status).toBe('COMPENSATED');
  });

  it('confirmation failed: refunds the payment, cancels the coupon, releases inventory, APPROVAL_FAILED', async () => {
    const order = await stack.participants.createOrder({ scenario: 'fail-confirmation', couponCode: 'SAVE10' });
    const saga = await stack.waitForStatus(order.orderId, 'APPROVAL_FAILED');
    const view = ledger(order.orderId)!;
    expect(view.refunds).toHaveLength(1);
    expect(view.netCharged).toMatch(/^0(\.0+)?$/);
    expect(view.couponCancellations).toHaveLength(1);
    expect(view.releases).toHaveLength(1);
    // Compensation ran in reverse order of the steps.
    const started = (await stack.events(saga.id)).filter((e) => e.type === 'COMPENSATION_STEP_STARTED').map((e) => e.step);
    expect(started).toEqual(['processPayment', 'applyCoupon', 'reserveInventory']);
  });

  it('a step that never answers is retried, then times out and is compensated: TIMED_OUT', async () => {
    const order = await stack.participants.createOrder({ scenario: 'silent:ProcessPayment' });
    const saga = await stack.waitForStatus(order.orderId, 'TIMED_OUT', 30000);
    const events = await stack.events(saga.id);
    expect(events.filter((e) => e.type === 'RETRY_SCHEDULED')).toHaveLength(1);
    const sends = events.filter((e) => e.type === 'COMMAND_SENT' && e.step === 'processPayment');
    expect(sends.length).toBe(2);
    expect(ledger(order.orderId)!.releases).toHaveLength(1);
    expect(await outcome(order.orderId)).toMatchObject({ result: 'CANCELLED', status: 'TIMED_OUT' });
  });

  it('a late reply is answered by the re-send, and the effect happens once', async () => {
    const order = await stack.participants.createOrder({ scenario: 'late:ReserveInventory' });
    await stack.waitForStatus(order.orderId, 'COMPLETED', 30000);
    const view = ledger(order.orderId)!;
    expect(view.reservations).toHaveLength(1);
    expect(view.charges).toHaveLength(1);
  });

  it('duplicated replies change nothing the second time', async () => {
    const order = await stack.participants.createOrder({ scenario: 'duplicate-replies', couponCode: 'SAVE10' });
    const saga = await stack.waitForStatus(order.orderId, 'COMPLETED');
    await new Promise((r) => setTimeout(r, 300));
    const view = ledger(order.orderId)!;
    expect(view.charges).toHaveLength(1);
    expect(view.outcomes).toBe(1);
    const again = await stack.sagaByOrder(order.orderId);
    expect(again!.version).toBe(saga.version);
    const metrics = await (await fetch(`${stack.service.url}/metrics`)).text();
    expect(Number(/saga_messages_duplicate_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
  });

  it('after retention has pruned the inbox, a redelivered reply and OrderCreated still change nothing', async () => {
    const order = await stack.participants.createOrder({});
    const saga = await stack.waitForStatus(order.orderId, 'COMPLETED');
    const outboxRows = async () => Number((await stack.db.query('select count(*) as n from outbox_message where saga_id = $1', [saga.id])).rows[0].n);
    const sentBefore = await outboxRows();
    // The very messages the orchestrator consumed, read back from the broker.
    const original = async (topic: string) => {
      const seen = await stack.collect(topic);
      try {
        return await eventually(() => seen.messages.find((m) => m.key === order.orderId), 20000, `${topic} of the order`);
      } finally {
        await seen.stop();
      }
    };
    const created = await original('order-created-events');
    const paid = await original('payment-processed-events');
    const eventIds = [created, paid].map((m) => JSON.parse(m.value!.toString()).eventId as string);
    // What retention does once the inbox rows are old enough.
    const { rowCount } = await stack.db.query('delete from inbox_message where event_id = any($1::uuid[])', [eventIds]);
    expect(rowCount).toBe(2);

    await stack.transport.publish([created, paid].map((m) => ({ topic: m.topic, key: m.key!, value: m.value!.toString() })));
    // Both were consumed again once the inbox holds their eventIds again.
    await eventually(async () => {
      const { rows } = await stack.db.query('select count(*) as n from inbox_message where event_id = any($1::uuid[])', [eventIds]);
      return Number(rows[0].n) === 2 ? true : undefined;
    }, 20000, 'the redelivered messages to be consumed');

    const after = await stack.sagaByOrder(order.orderId);
    expect(after!.status).toBe('COMPLETED');
    expect(await outboxRows()).toBe(sentBefore); // no command sent again
    expect((await stack.db.query('select count(*) as n from saga_instance where order_id = $1', [order.orderId])).rows[0].n).toBe('1');
    const ignored = (await stack.events(saga.id)).filter((e) => e.type === 'REPLY_IGNORED');
    expect(ignored).toEqual([expect.objectContaining({ detail: expect.objectContaining({ eventId: eventIds[1], why: 'duplicate' }) })]);
    expect(ledger(order.orderId)!.charges).toHaveLength(1);
  });

  it('a compensation that keeps failing leaves the saga COMPENSATION_FAILED, visible, not lost', async () => {
    const order = await stack.participants.createOrder({ scenario: ['fail-payment', 'fail-release'] });
    const saga = await stack.waitForStatus(order.orderId, 'COMPENSATION_FAILED', 30000);
    expect(saga.state.timer).toBeNull();
    expect((await stack.events(saga.id)).some((e) => e.type === 'COMPENSATION_FAILED')).toBe(true);
    expect(ledger(order.orderId)!.outcome).toBeNull();
  });

  it('sends a reply for an unknown saga and a malformed message to the DLQ, and keeps consuming', async () => {
    const dlq = await stack.collect('product-reserved-events.dlq');
    const orderId = randomUUID();
    await stack.transport.publish([
      { topic: 'product-reserved-events', key: orderId, value: '{"this is": not json' },
      { topic: 'product-reserved-events', key: orderId, value: JSON.stringify({
        eventId: randomUUID(), eventType: 'ProductReserved', sagaId: randomUUID(), orderId, correlationId: randomUUID(),
        causationId: null, timestamp: new Date().toISOString(), retryCount: 0, reservationId: 'r-1',
        products: [{ productId: randomUUID(), sku: 'S', quantity: 1 }], expirationTime: new Date().toISOString(),
      }) },
    ]);
    await eventually(() => (dlq.messages.length >= 2 ? true : undefined), 20000, 'two dead letters');
    await dlq.stop();
    const letters = dlq.messages.map((m) => JSON.parse(m.value!.toString()));
    expect(letters[0].error).toMatch(/malformed JSON/);
    expect(Buffer.from(letters[0].value, 'base64').toString('utf8')).toBe('{"this is": not json');
    expect(letters[1].error).toMatch(/unknown saga/);
    // The consumer is still alive.
    const order = await stack.participants.createOrder({});
    await stack.waitForStatus(order.orderId, 'COMPLETED');
  });
});

describe('coupon policy fail', () => {
  let stack: SagaStack;
  beforeAll(async () => { stack = await SagaStack.start({ SAGA_COUPON_POLICY: 'fail' }); });
  afterAll(() => stack.stop());

  it('a rejected coupon releases the inventory and ends COUPON_ERROR', async () => {
    const order = await stack.participants.createOrder({ scenario: 'reject-coupon', couponCode: 'BOGUS' });
    await stack.waitForStatus(order.orderId, 'COUPON_ERROR');
    const view = await eventually(() => (stack.participants.ledger.order(order.orderId)?.outcome ? stack.participants.ledger.order(order.orderId) : undefined));
    expect(view!.outcome).toMatchObject({ result: 'CANCELLED', status: 'COUPON_ERROR' });
    expect(view!.releases).toHaveLength(1);
    expect(view!.charges).toHaveLength(0);
  });
});
