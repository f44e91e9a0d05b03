import { expectContractValid, OrderSagaHarness, orderCreated, ORDER_EVENT_ID, ORDER_ID, SAGA_ID } from '../support/order';

describe('order saga: happy paths', () => {
  it('runs reserve → pay → confirm without a coupon and approves the order', () => {
    const h = new OrderSagaHarness().start();

    expect(h.state.status).toBe('RUNNING');
    expect(h.state.currentStep).toBe('reserveInventory');
    expect(h.lastSentTypes()).toEqual(['ReserveInventory']);
    const reserve = h.last.outbox[0];
    expect(reserve.topic).toBe('reserve-inventory-commands');
    expect(reserve.key).toBe(ORDER_ID);
    expect(reserve.value).toMatchObject({
      sagaId: SAGA_ID,
      orderId: ORDER_ID,
      causationId: ORDER_EVENT_ID,
      correlationId: h.state.correlationId,
      retryCount: 0,
      timestamp: '2025-01-01T00:00:00.000Z',
    });
    expect((reserve.value.items as unknown[]).length).toBe(2);

    h.reply('ProductReserved', { reservationId: 'res-1', products: [], expirationTime: '2025-01-01T00:15:00Z' });
    expect(h.state.data.reservationId).toBe('res-1');
    expect(h.stepStatuses().applyCoupon).toBe('SKIPPED');
    expect(h.lastSentTypes()).toEqual(['ProcessPayment']);
    expect(h.last.outbox[0].value).toMatchObject({ amount: '100.00', currency: 'EUR', paymentMethod: 'CARD', customerId: 'customer-7' });

    h.reply('PaymentProcessed', { paymentId: 'pay-1', amount: '100.00', transactionId: 'tx-1', paymentMethod: 'CARD', processedAt: '2025-01-01T00:00:01Z' });
    expect(h.lastSentTypes()).toEqual(['ConfirmInventory']);
    expect(h.last.outbox[0].value.reservationId).toBe('res-1');

    h.reply('InventoryConfirmed', { reservationId: 'res-1' });
    expect(h.state.status).toBe('COMPLETED');
    expect(h.state.currentStep).toBeNull();
    expect(h.state.timer).toBeNull();
    expect(h.state.endedAtMs).not.toBeNull();
    expect(h.lastSentTypes()).toEqual(['OrderApproved']);
    expect(h.last.outbox[0].topic).toBe('order-approved-events');
    expect(h.last.outbox[0].value).toMatchObject({ finalAmount: '100.00', currency: 'EUR', paymentIds: ['pay-1'] });
    expect(h.stepStatuses()).toEqual({
      reserveInventory: 'SUCCEEDED',
      applyCoupon: 'SKIPPED',
      processPayment: 'SUCCEEDED',
      confirmInventory: 'SUCCEEDED',
    });
    expect(h.eventTypes()).toContain('SAGA_COMPLETED');
    expectContractValid(h.sent);
  });

  it('applies a coupon and charges the discounted amount', () => {
    const h = new OrderSagaHarness().start(orderCreated({ couponCode: 'SAVE10' }));
    h.reply('ProductReserved', { reservationId: 'res-1', products: [], expirationTime: '2025-01-01T00:15:00Z' });
    expect(h.lastSentTypes()).toEqual(['ApplyCoupon']);
    expect(h.last.outbox[0].value).toMatchObject({ couponCode: 'SAVE10', customerId: 'customer-7', amount: '100.00', currency: 'EUR' });

    h.reply('CouponApplied', { couponCode: 'SAVE10', discountAmount: '10.00', finalAmount: '90.00' });
    expect(h.state.data).toMatchObject({ couponApplied: true, discountAmount: '10.00', finalAmount: '90.00' });
    expect(h.last.outbox[0].value).toMatchObject({ eventType: 'ProcessPayment', amount: '90.00' });

    h.reply('PaymentProcessed', { paymentId: 'pay-1', amount: '90.00', transactionId: 'tx-1', paymentMethod: 'CARD', processedAt: '2025-01-01T00:00:01Z' });
    h.reply('InventoryConfirmed', { reservationId: 'res-1' });
    expect(h.state.status).toBe('COMPLETED');
    expect(h.last.outbox[0].value).toMatchObject({ eventType: 'OrderApproved', finalAmount: '90.00', paymentIds: ['pay-1'] });
    expectContractValid(h.sent);
  });

  it('pays a split order in one ProcessSplitPayment, the discount taken off the last part', () => {
    const h = new OrderSagaHarness().start(
      orderCreated({
        couponCode: 'SAVE30',
        paymentMethod: undefined,
        payments: [
          { paymentMethod: 'CARD', amount: '70.00' },
          { paymentMethod: 'WALLET', amount: '20.00' },
          { paymentMethod: 'GIFT', amount: '10.00' },
        ],
      }),
    );
    h.reply('ProductReserved', { reservationId: 'res-1', products: [], expirationTime: '2025-01-01T00:15:00Z' });
    h.reply('CouponApplied', { couponCode: 'SAVE30', discountAmount: '25.50', finalAmount: '74.50' });
    expect(h.lastSentTypes()).toEqual(['ProcessSplitPayment']);
    expect(h.last.outbox[0].topic).toBe('process-payment-commands');
    // 25.50 off: GIFT 10.00 → dropped, WALLET 20.00 → 4.50, CARD untouched.
    expect(h.last.outbox[0].value.payments).toEqual([
      { paymentMethod: 'CARD', amount: '70.00' },
      { paymentMethod: 'WALLET', amount: '4.50' },
    ]);

    h.reply('SplitPayment', {
      payments: [
        { paymentId: 'pay-a', paymentMethod: 'CARD', transactionId: 'tx-a', amount: '70.00', status: 'SUCCEEDED' },
        { paymentId: 'pay-b', paymentMethod: 'WALLET', transactionId: 'tx-b', amount: '4.50', status: 'SUCCEEDED' },
      ],
      totalAmount: '74.50',
      completed: true,
    });
    h.reply('InventoryConfirmed', { reservationId: 'res-1' });
    expect(h.state.status).toBe('COMPLETED');
    expect(h.last.outbox[0].value).toMatchObject({ finalAmount: '74.50', paymentIds: ['pay-a', 'pay-b'] });
    expectContractValid(h.sent);
  });

  it('keeps the state plain JSON (a JSON round trip gives an equal value)', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReserved', { reservationId: 'res-1', products: [], expirationTime: '2025-01-01T00:15:00Z' });
    expect(JSON.parse(JSON.stringify(h.state))).toEqual(h.state);
    expect(typeof h.state.startedAtMs).toBe('number');
    expect(h.state.timer).toEqual({ dueAtMs: h.ctx.nowMs + 30_000, purpose: 'timeout', step: 'processPayment', phase: 'forward', attempt: 1 });
  });
});
