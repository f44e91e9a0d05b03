import { randomUUID } from 'node:crypto';
import { MESSAGE_SCHEMAS, TOPICS, type EventType, type OrderCreated } from '../../../src/sagas/order/contract';
import { fullyCompensated, scenarioCustomerId } from '../../../src/participants';
import { eventually } from '../../helpers/services';
import { Harness, sleep } from './harness';

/** Every reply eventType a test saw pass its schema; the last test checks none was missed. */
const validated = new Set<EventType>();

describe('simulated participants on the in-process transport', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await new Harness().start();
  });

  afterEach(async () => {
    await h.stop();
    // Every message the participants sent passed parseIncoming (schema and topic/eventType match).
    expect(h.invalid).toEqual([]);
    for (const r of h.received) {
      expect(MESSAGE_SCHEMAS[r.message.eventType].safeParse(JSON.parse(r.raw.value!.toString())).success).toBe(true);
      validated.add(r.message.eventType);
    }
  });

  const items = (order: OrderCreated) => order.items;

  it('places a valid OrderCreated with fresh ids and decimal-string money', async () => {
    const order = await h.participants.createOrder({ couponCode: 'SAVE10', payments: [{ paymentMethod: 'CARD', amount: '50.00' }, { paymentMethod: 'GIFT_CARD' }] });
    const [seen] = await eventually(() => {
      const m = h.received.filter((r) => r.message.eventType === 'OrderCreated');
      return m.length ? m : undefined;
    });
    expect(seen.raw.topic).toBe(TOPICS.orderCreated);
    expect(seen.raw.key).toBe(order.orderId);
    expect(seen.message).toEqual(order);
    expect(order.totalAmount).toBe('89.80');
    expect(order.payments).toEqual([{ paymentMethod: 'CARD', amount: '50.00' }, { paymentMethod: 'GIFT_CARD', amount: '39.80' }]);
    expect(order.sagaId).toBeNull();
    expect(h.participants.ledger.order(order.orderId)?.created?.couponCode).toBe('SAVE10');

    const other = await h.participants.createOrder({ scenario: ['fail-payment', 'late:ProcessPayment'] });
    expect(other.orderId).not.toBe(order.orderId);
    expect(other.eventId).not.toBe(order.eventId);
    expect(other.customerId).toBe('sim:fail-payment,late:ProcessPayment');
    expect(other.paymentMethod).toBe('CREDIT_CARD');
    await expect(h.participants.createOrder({ scenario: ['fail-paymnet'] })).rejects.toThrow('unknown scenario token');
  });

  it('answers ReserveInventory with ProductReserved in a full reply envelope, continuing the trace', async () => {
    const order = await h.participants.createOrder();
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const cmd = await h.send('ReserveInventory', order.orderId, { items: items(order) }, { headers: { traceparent } });
    const [reply] = await h.reply(cmd.eventId);
    const m = reply.message;
    expect(m.eventType).toBe('ProductReserved');
    if (m.eventType !== 'ProductReserved') return;
    expect(reply.raw.topic).toBe(TOPICS.productReserved);
    expect(reply.raw.key).toBe(order.orderId);
    // A child of the command's: the same trace and flags, a new parent id.
    expect(reply.raw.headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(reply.raw.headers.traceparent).not.toBe(traceparent);
    expect(m).toMatchObject({ sagaId: cmd.sagaId, orderId: order.orderId, correlationId: cmd.correlationId, causationId: cmd.eventId, retryCount: 0 });
    expect(m.eventId).not.toBe(cmd.eventId);
    expect(m.products).toEqual(order.items.map((i) => ({ productId: i.productId, sku: i.sku, quantity: i.quantity })));
    expect(Date.parse(m.expirationTime)).toBeGreaterThan(Date.now());
    const view = h.participants.ledger.order(order.orderId)!;
    expect(view.reservations.map((r) => r.reservationId)).toEqual([m.reservationId]);
    expect(view.openReservations).toEqual([m.reservationId]);
  });

  it('walks the happy path by hand: coupon 10 %, payment, confirmation, approval', async () => {
    const order = await h.participants.createOrder({ couponCode: 'SAVE10' });
    const reserved = await h.only((await h.send('ReserveInventory', order.orderId, { items: items(order) })).eventId, 'ProductReserved');
    const coupon = await h.only(
      (await h.send('ApplyCoupon', order.orderId, { couponCode: 'SAVE10', customerId: order.customerId, amount: '89.80', currency: 'EUR' })).eventId,
      'CouponApplied',
    );
    expect(coupon).toMatchObject({ couponCode: 'SAVE10', discountAmount: '8.98', finalAmount: '80.82' });
    const paid = await h.only(
      (await h.send('ProcessPayment', order.orderId, { amount: '80.82', currency: 'EUR', paymentMethod: 'CREDIT_CARD', customerId: order.customerId })).eventId,
      'PaymentProcessed',
    );
    expect(paid).toMatchObject({ amount: '80.82', paymentMethod: 'CREDIT_CARD' });
    const confirmed = await h.only((await h.send('ConfirmInventory', order.orderId, { reservationId: reserved.reservationId })).eventId, 'InventoryConfirmed');
    expect(confirmed.reservationId).toBe(reserved.reservationId);
    await h.send('OrderApproved', order.orderId, { finalAmount: '80.82', currency: 'EUR', paymentIds: [paid.paymentId] });

    const view = await eventually(() => h.participants.ledger.order(order.orderId)?.outcome ? h.participants.ledger.order(order.orderId) : undefined);
    expect(view!.outcome).toEqual({ result: 'APPROVED', finalAmount: '80.82', currency: 'EUR', paymentIds: [paid.paymentId] });
    expect(view!.charges).toEqual([expect.objectContaining({ paymentId: paid.paymentId, amount: '80.82', refunded: false })]);
    expect(view!.confirmations).toEqual([reserved.reservationId]);
    expect(view!.netCharged).toBe('80.82');
    expect(view!.problems).toEqual([]);
    expect(h.participants.ledger.totals()).toMatchObject({ approved: 1, reservations: 1, couponsApplied: 1, charges: 1, confirmations: 1, netCharged: '80.82' });
  });

  it('fails reservation, coupon, payment and confirmation when the scenario says so', async () => {
    const noStock = await h.participants.createOrder({ scenario: 'fail-reservation' });
    const failed = await h.only((await h.send('ReserveInventory', noStock.orderId, { items: items(noStock) })).eventId, 'ProductReservationFailed');
    expect(failed.products[0]).toMatchObject({ productId: 'prod-1001', requestedQuantity: 2, availableQuantity: 0 });
    expect(h.participants.ledger.order(noStock.orderId)!.reservations).toEqual([]);

    const badCoupon = await h.participants.createOrder({ scenario: 'reject-coupon', couponCode: 'OLD' });
    const rejected = await h.only(
      (await h.send('ApplyCoupon', badCoupon.orderId, { couponCode: 'OLD', customerId: badCoupon.customerId, amount: '89.80', currency: 'EUR' })).eventId,
      'CouponFailed',
    );
    expect(rejected.couponCode).toBe('OLD');

    // The Payment service reads the scenario from the command's own customerId.
    const declined = await h.send('ProcessPayment', randomUUID(), { amount: '10.00', currency: 'EUR', paymentMethod: 'CARD', customerId: scenarioCustomerId('fail-payment') });
    expect(await h.only(declined.eventId, 'PaymentFailed')).toMatchObject({ paymentMethod: 'CARD', amount: '10.00' });

    const noConfirm = await h.participants.createOrder({ scenario: 'fail-confirmation' });
    const res = await h.only((await h.send('ReserveInventory', noConfirm.orderId, { items: items(noConfirm) })).eventId, 'ProductReserved');
    const cf = await h.only((await h.send('ConfirmInventory', noConfirm.orderId, { reservationId: res.reservationId })).eventId, 'InventoryConfirmationFailed');
    expect(cf.reservationId).toBe(res.reservationId);
    expect(h.participants.ledger.order(noConfirm.orderId)!.confirmations).toEqual([]);
    expect(h.participants.ledger.totals()).toMatchObject({ charges: 0, couponsApplied: 0, reservations: 1, confirmations: 0 });
  });

  it('fails a split payment entirely, or only the part paid with the named method', async () => {
    const parts = [{ paymentMethod: 'CARD', amount: '50.00' }, { paymentMethod: 'GIFT_CARD', amount: '39.80' }];
    const all = await h.send('ProcessSplitPayment', randomUUID(), { payments: parts, currency: 'EUR', customerId: scenarioCustomerId('fail-payment') });
    const allFailed = await h.only(all.eventId, 'SplitPayment');
    expect(allFailed.completed).toBe(false);
    expect(allFailed.payments.map((p) => p.status)).toEqual(['FAILED', 'FAILED']);

    const order = await h.participants.createOrder({ scenario: 'fail-payment-part:GIFT_CARD', payments: parts });
    const one = await h.send('ProcessSplitPayment', order.orderId, { payments: parts, currency: 'EUR', customerId: order.customerId });
    const partly = await h.only(one.eventId, 'SplitPayment');
    expect(partly).toMatchObject({ totalAmount: '89.80', completed: false });
    expect(partly.payments).toEqual([
      expect.objectContaining({ paymentMethod: 'CARD', amount: '50.00', status: 'SUCCEEDED', paymentId: expect.any(String), transactionId: expect.any(String) }),
      expect.objectContaining({ paymentMethod: 'GIFT_CARD', amount: '39.80', status: 'FAILED', reason: expect.any(String) }),
    ]);
    const view = h.participants.ledger.order(order.orderId)!;
    expect(view.charges.map((c) => [c.paymentId, c.amount])).toEqual([[partly.payments[0].paymentId, '50.00']]);

    const fine = await h.send('ProcessSplitPayment', randomUUID(), { payments: parts, currency: 'EUR', customerId: 'customer-1' });
    const ok = await h.only(fine.eventId, 'SplitPayment');
    expect(ok.completed).toBe(true);
    expect(ok.payments.every((p) => p.status === 'SUCCEEDED' && p.paymentId)).toBe(true);
  });

  it('answers compensations and records them, flagging a second refund', async () => {
    const order = await h.participants.createOrder({ couponCode: 'SAVE10' });
    const res = await h.only((await h.send('ReserveInventory', order.orderId, { items: items(order) })).eventId, 'ProductReserved');
    await h.only((await h.send('ApplyCoupon', order.orderId, { couponCode: 'SAVE10', customerId: order.customerId, amount: '89.80', currency: 'EUR' })).eventId, 'CouponApplied');
    const paid = await h.only(
      (await h.send('ProcessPayment', order.orderId, { amount: '80.82', currency: 'EUR', paymentMethod: 'CARD', customerId: order.customerId })).eventId,
      'PaymentProcessed',
    );
    const refund = await h.only((await h.send('RefundPayment', order.orderId, { paymentId: paid.paymentId, amount: '80.82', reason: 'PAYMENT_FAILED: x' })).eventId, 'PaymentRefunded');
    expect(refund).toMatchObject({ paymentId: paid.paymentId, amount: '80.82' });
    expect(refund.eventType).toBe('PaymentRefunded');
    const cancelled = await h.only((await h.send('CancelCoupon', order.orderId, { couponCode: 'SAVE10', reason: 'x' })).eventId, 'CouponCancelled');
    expect(cancelled.couponCode).toBe('SAVE10');
    const released = await h.only((await h.send('ReleaseInventory', order.orderId, { reservationId: res.reservationId, reason: 'x' })).eventId, 'InventoryReleased');
    expect(released.reservationId).toBe(res.reservationId);
    await h.send('OrderCancelled', order.orderId, { status: 'APPROVAL_FAILED', reason: 'x' });
    await eventually(() => h.participants.ledger.order(order.orderId)!.outcome ?? undefined);

    let view = h.participants.ledger.order(order.orderId)!;
    expect(view.outcome).toEqual({ result: 'CANCELLED', status: 'APPROVAL_FAILED', reason: 'x' });
    expect(fullyCompensated(view)).toBe(true);
    expect(view.problems).toEqual([]);

    // A second refund command (a new eventId, so not a re-send) pays nothing out and is flagged.
    await h.only((await h.send('RefundPayment', order.orderId, { paymentId: paid.paymentId, amount: '80.82', reason: 'again' })).eventId, 'PaymentRefunded');
    view = h.participants.ledger.order(order.orderId)!;
    expect(view.refunds).toHaveLength(1);
    expect(view.netCharged).toBe('0.00');
    expect(view.problems).toEqual([`RefundPayment: payment ${paid.paymentId} refunded twice`]);
  });

  it('answers a re-sent command with the same reply and applies its effect once; drops exact duplicates', async () => {
    const order = await h.participants.createOrder();
    const payload = { amount: '89.80', currency: 'EUR', paymentMethod: 'CARD', customerId: order.customerId };
    const first = await h.send('ProcessPayment', order.orderId, payload);
    const [original] = await h.reply(first.eventId);
    await h.send('ProcessPayment', order.orderId, payload, { eventId: first.eventId, retryCount: 0 }); // redelivery: dropped
    await h.send('ProcessPayment', order.orderId, payload, { eventId: first.eventId, retryCount: 1 }); // re-send: answered
    const replies = await h.reply(first.eventId, 2);
    await sleep(100);
    expect(h.repliesTo(first.eventId)).toHaveLength(2);
    expect(replies[1].raw.value!.toString()).toBe(original.raw.value!.toString());
    expect(h.participants.ledger.order(order.orderId)!.charges).toHaveLength(1);
    expect(h.participants.ledger.serviceCounters('payment')).toMatchObject({ received: 3, duplicates: 1, resent: 1, replies: 2 });
  });

  it('sends every reply twice with the same eventId under duplicate-replies', async () => {
    const order = await h.participants.createOrder({ scenario: ['reject-coupon', 'duplicate-replies'], couponCode: 'X' });
    const cmd = await h.send('ApplyCoupon', order.orderId, { couponCode: 'X', customerId: order.customerId, amount: '89.80', currency: 'EUR' });
    const replies = await h.reply(cmd.eventId, 2);
    expect(replies.map((r) => r.message.eventType)).toEqual(['CouponFailed', 'CouponFailed']);
    expect(replies[0].raw.value!.toString()).toBe(replies[1].raw.value!.toString());
    expect(h.participants.ledger.order(order.orderId)!.couponRejections).toBe(1);
  });

  it('counts an invalid command and keeps going', async () => {
    await h.sendRaw(TOPICS.reserveInventory, '{not json');
    await h.sendRaw(TOPICS.reserveInventory, JSON.stringify({ eventType: 'ReserveInventory', orderId: 'nope', items: [] }));
    await h.sendRaw(TOPICS.processPayment, JSON.stringify({ eventType: 'RefundPayment' })); // wrong topic for the type
    const order = await h.participants.createOrder();
    const cmd = await h.send('ReserveInventory', order.orderId, { items: items(order) });
    await h.only(cmd.eventId, 'ProductReserved');
    expect(h.participants.ledger.serviceCounters('product')).toMatchObject({ received: 3, invalid: 2, replies: 1 });
    await eventually(() => (h.participants.ledger.serviceCounters('payment').invalid === 1 ? true : undefined));
    expect(h.participants.ledger.totals().invalid).toBe(3);
  });

  it('answers a late:<eventType> command lateReplyMs late, and a re-send at once with the same reply', async () => {
    const order = await h.participants.createOrder({ scenario: 'late:ReserveInventory' });
    const started = Date.now();
    const cmd = await h.send('ReserveInventory', order.orderId, { items: items(order) });
    await sleep(150);
    expect(h.repliesTo(cmd.eventId)).toHaveLength(0);
    const [late] = await h.reply(cmd.eventId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(late.message.eventType).toBe('ProductReserved');

    // First attempt late, re-send answered at once: the re-send's reply wins the race, same eventId.
    const order2 = await h.participants.createOrder({ scenario: 'late:ReserveInventory' });
    const first = await h.send('ReserveInventory', order2.orderId, { items: items(order2) });
    await sleep(100);
    await h.send('ReserveInventory', order2.orderId, { items: items(order2) }, { eventId: first.eventId, retryCount: 1 });
    const [prompt] = await h.reply(first.eventId, 1, 250);
    const both = await h.reply(first.eventId, 2);
    expect(both[1].raw.value!.toString()).toBe(prompt.raw.value!.toString());
    expect(h.participants.ledger.order(order2.orderId)!.reservations).toHaveLength(1);

    // Only a first attempt is late: a re-send this service never saw before is answered at once.
    const unseen = await h.send('ReserveInventory', order2.orderId, { items: items(order2) }, { retryCount: 1 });
    await h.reply(unseen.eventId, 1, 250);
  });

  it('never answers a silent:<eventType> command or, under fail-release, ReleaseInventory', async () => {
    const order = await h.participants.createOrder({ scenario: ['silent:ProcessPayment', 'fail-release'] });
    const pay = await h.send('ProcessPayment', order.orderId, { amount: '89.80', currency: 'EUR', paymentMethod: 'CARD', customerId: order.customerId });
    const again = await h.send('ProcessPayment', order.orderId, { amount: '89.80', currency: 'EUR', paymentMethod: 'CARD', customerId: order.customerId }, { eventId: pay.eventId, retryCount: 1 });
    const res = await h.only((await h.send('ReserveInventory', order.orderId, { items: items(order) })).eventId, 'ProductReserved');
    const release = await h.send('ReleaseInventory', order.orderId, { reservationId: res.reservationId, reason: 'x' });
    // Answered commands sent after the release prove the services already went past both.
    const later = await h.send('ApplyCoupon', order.orderId, { couponCode: 'C', customerId: order.customerId, amount: '1.00', currency: 'EUR' });
    await h.reply(later.eventId);
    await eventually(() => (h.participants.ledger.serviceCounters('product').silenced === 1 ? true : undefined));
    await sleep(100);
    expect(h.repliesTo(pay.eventId)).toEqual([]);
    expect(h.repliesTo(again.eventId)).toEqual([]);
    expect(h.repliesTo(release.eventId)).toEqual([]);
    const view = h.participants.ledger.order(order.orderId)!;
    expect(view.charges).toEqual([]);
    expect(view.openReservations).toEqual([res.reservationId]);
    expect(h.participants.ledger.serviceCounters('payment').silenced).toBe(1);
  });

  it('learns the scenario of an order placed by another process from order-created-events', async () => {
    const elsewhere = await new Harness().start(); // a second stack on its own bus only builds the order
    const order = await elsewhere.participants.createOrder({ scenario: 'fail-reservation' });
    await elsewhere.stop();
    // The command even arrives before the order does: the Product service waits for the order.
    const cmd = await h.send('ReserveInventory', order.orderId, { items: order.items });
    await sleep(200);
    expect(h.repliesTo(cmd.eventId)).toEqual([]);
    await h.transport.publish([{ topic: TOPICS.orderCreated, key: order.orderId, value: JSON.stringify(order) }]);
    await h.only(cmd.eventId, 'ProductReservationFailed');
  });

  it('validated every reply eventType against its schema', () => {
    const replies: EventType[] = [
      'ProductReserved', 'ProductReservationFailed', 'CouponApplied', 'CouponFailed', 'PaymentProcessed', 'PaymentFailed', 'SplitPayment',
      'InventoryConfirmed', 'InventoryConfirmationFailed', 'InventoryReleased', 'CouponCancelled', 'PaymentRefunded', 'OrderCreated',
    ];
    expect(replies.filter((t) => !validated.has(t))).toEqual([]);
  });
});

describe('transport trouble and latency', () => {
  it('sends the stored reply again when publishing it failed and the batch is redelivered, without a second effect', async () => {
    const h = await new Harness().start();
    try {
      const order = await h.participants.createOrder();
      const publish = h.transport.publish.bind(h.transport);
      let failures = 0;
      h.transport.publish = async (messages) => {
        if (failures === 0 && messages.some((m) => m.topic === TOPICS.paymentProcessed)) {
          failures += 1;
          throw new Error('broker unavailable');
        }
        return publish(messages);
      };
      const cmd = await h.send('ProcessPayment', order.orderId, { amount: '89.80', currency: 'EUR', paymentMethod: 'CARD', customerId: order.customerId });
      await h.reply(cmd.eventId);
      expect(failures).toBe(1);
      expect(h.participants.ledger.order(order.orderId)!.charges).toHaveLength(1);
      expect(h.participants.ledger.serviceCounters('payment')).toMatchObject({ received: 2, duplicates: 0, replies: 1 });
    } finally {
      await h.stop();
    }
  });

  it('delays replies by replyDelayMs', async () => {
    const h = await new Harness().start({ replyDelayMs: 300 });
    try {
      const order = await h.participants.createOrder();
      const started = Date.now();
      const cmd = await h.send('ReserveInventory', order.orderId, { items: order.items });
      await h.reply(cmd.eventId);
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    } finally {
      await h.stop();
    }
  });
});

describe('onlyOwnOrders', () => {
  it('ignores commands for orders another instance placed', async () => {
    const h = await new Harness().start({ onlyOwnOrders: true });
    try {
      const foreign = await h.send('ReserveInventory', randomUUID(), { items: [{ productId: 'p', sku: 's', quantity: 1, unitPrice: '1.00' }] });
      const order = await h.participants.createOrder();
      const own = await h.send('ReserveInventory', order.orderId, { items: order.items });
      await h.reply(own.eventId);
      expect(h.repliesTo(foreign.eventId)).toEqual([]);
      expect(h.participants.ledger.serviceCounters('product')).toMatchObject({ received: 2, ignored: 1 });
    } finally {
      await h.stop();
    }
  });
});
