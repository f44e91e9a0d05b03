import { expectContractValid, OrderSagaHarness, orderCreated, paid, RESERVED } from '../support/order';

/** Reserved and, with a coupon, coupon applied (10.00 off 100.00). */
function reservedWithCoupon(options?: ConstructorParameters<typeof OrderSagaHarness>[0]): OrderSagaHarness {
  const h = new OrderSagaHarness(options).start(orderCreated({ couponCode: 'SAVE10' }));
  h.reply('ProductReserved', RESERVED);
  return h;
}

describe('order saga: failures and their compensations (CONTRACT.md table)', () => {
  it('reservation failed: nothing to undo, ends INVENTORY_ERROR at once with OrderCancelled', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReservationFailed', {
      reason: 'out of stock',
      products: [{ productId: 'p-1', sku: 'SKU-1', requestedQuantity: 2, availableQuantity: 0, reason: 'out of stock' }],
    });
    expect(h.state.status).toBe('INVENTORY_ERROR');
    expect(h.state.timer).toBeNull();
    expect(h.lastSentTypes()).toEqual(['OrderCancelled']);
    expect(h.last.outbox[0].topic).toBe('order-cancelled-events');
    expect(h.last.outbox[0].value).toMatchObject({ status: 'INVENTORY_ERROR', reason: 'out of stock' });
    expect(h.eventTypes()).not.toContain('COMPENSATION_STARTED');
    expect(h.stepStatuses().reserveInventory).toBe('FAILED');
    expectContractValid(h.sent);
  });

  it("coupon rejected, policy 'continue': warning recorded, full amount charged, no compensation", () => {
    const h = reservedWithCoupon({ couponPolicy: 'continue' });
    h.reply('CouponFailed', { couponCode: 'SAVE10', reason: 'expired' });
    expect(h.state.status).toBe('RUNNING');
    expect(h.state.warnings).toEqual(['coupon SAVE10 rejected (expired); charging the full 100.00 EUR']);
    expect(h.last.outbox[0].value).toMatchObject({ eventType: 'ProcessPayment', amount: '100.00' });
    const coupon = h.state.steps.find((s) => s.name === 'applyCoupon')!;
    expect(coupon).toMatchObject({ status: 'SUCCEEDED', needsCompensation: false });

    // a later failure must not cancel a coupon that was never applied
    h.reply('PaymentFailed', { paymentMethod: 'CARD', amount: '100.00', reason: 'declined' });
    expect(h.lastSentTypes()).toEqual(['ReleaseInventory']);
    expect(h.sentOf('CancelCoupon')).toHaveLength(0);
  });

  it("coupon rejected, policy 'fail': releases inventory, ends COUPON_ERROR", () => {
    const h = reservedWithCoupon({ couponPolicy: 'fail' });
    h.reply('CouponFailed', { couponCode: 'SAVE10', reason: 'expired' });
    expect(h.state.status).toBe('COMPENSATING');
    expect(h.state.failureStatus).toBe('COUPON_ERROR');
    expect(h.lastSentTypes()).toEqual(['ReleaseInventory']);
    expect(h.last.outbox[0].value).toMatchObject({ reservationId: 'res-1', reason: 'COUPON_ERROR: coupon SAVE10 rejected: expired' });

    h.reply('InventoryReleased', { reservationId: 'res-1' });
    expect(h.state.status).toBe('COUPON_ERROR');
    expect(h.lastSentTypes()).toEqual(['OrderCancelled']);
    expect(h.last.outbox[0].value).toMatchObject({ status: 'COUPON_ERROR', reason: 'coupon SAVE10 rejected: expired' });
    expect(h.stepStatuses()).toMatchObject({ reserveInventory: 'COMPENSATED', applyCoupon: 'FAILED', processPayment: 'PENDING' });
    expectContractValid(h.sent);
  });

  it('payment failed: cancels the coupon, then releases inventory, ends PAYMENT_FAILED', () => {
    const h = reservedWithCoupon();
    h.reply('CouponApplied', { couponCode: 'SAVE10', discountAmount: '10.00', finalAmount: '90.00' });
    h.reply('PaymentFailed', { paymentMethod: 'CARD', amount: '90.00', reason: 'declined' });
    expect(h.state.status).toBe('COMPENSATING');
    expect(h.lastSentTypes()).toEqual(['CancelCoupon']);
    expect(h.last.outbox[0].value).toMatchObject({ couponCode: 'SAVE10' });
    expect(h.state.currentStep).toBe('applyCoupon');
    expect(h.state.timer).toMatchObject({ phase: 'compensation', step: 'applyCoupon', purpose: 'timeout' });

    h.reply('CouponCancelled', { couponCode: 'SAVE10' });
    expect(h.lastSentTypes()).toEqual(['ReleaseInventory']);
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    expect(h.state.status).toBe('PAYMENT_FAILED');
    expect(h.last.outbox[0].value).toMatchObject({
      eventType: 'OrderCancelled',
      status: 'PAYMENT_FAILED',
      reason: 'payment of 90.00 by CARD failed: declined',
    });
    expect(h.sent.map((m) => m.eventType)).toEqual([
      'ReserveInventory', 'ApplyCoupon', 'ProcessPayment', 'CancelCoupon', 'ReleaseInventory', 'OrderCancelled',
    ]);
    expectContractValid(h.sent);
  });

  it('confirmation failed: refunds, cancels the coupon, releases inventory, ends APPROVAL_FAILED', () => {
    const h = reservedWithCoupon();
    h.reply('CouponApplied', { couponCode: 'SAVE10', discountAmount: '10.00', finalAmount: '90.00' });
    h.reply('PaymentProcessed', paid('90.00'));
    h.reply('InventoryConfirmationFailed', { reservationId: 'res-1', reason: 'reservation expired' });
    expect(h.state.failureStatus).toBe('APPROVAL_FAILED');
    expect(h.last.outbox.map((m) => [m.eventType, m.value.paymentId, m.value.amount])).toEqual([['RefundPayment', 'pay-1', '90.00']]);
    h.reply('PaymentRefunded', { paymentId: 'pay-1', amount: '90.00' });
    expect(h.lastSentTypes()).toEqual(['CancelCoupon']);
    h.reply('CouponCancelled', { couponCode: 'SAVE10' });
    expect(h.lastSentTypes()).toEqual(['ReleaseInventory']);
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    expect(h.state.status).toBe('APPROVAL_FAILED');
    expect(h.last.outbox[0].value).toMatchObject({ eventType: 'OrderCancelled', status: 'APPROVAL_FAILED' });
    expect(h.state.data.paymentParts[0].status).toBe('REFUNDED');
    expect(h.stepStatuses()).toEqual({
      reserveInventory: 'COMPENSATED',
      applyCoupon: 'COMPENSATED',
      processPayment: 'COMPENSATED',
      confirmInventory: 'FAILED',
    });
    expectContractValid(h.sent);
  });

  it('split payment with one failed part refunds only the charged parts, then releases inventory', () => {
    const h = new OrderSagaHarness().start(
      orderCreated({
        paymentMethod: undefined,
        payments: [
          { paymentMethod: 'CARD', amount: '50.00' },
          { paymentMethod: 'WALLET', amount: '30.25' },
          { paymentMethod: 'GIFT', amount: '19.75' },
        ],
      }),
    );
    h.reply('ProductReserved', RESERVED);
    h.reply('SplitPayment', {
      payments: [
        { paymentId: 'pay-a', paymentMethod: 'CARD', transactionId: 'tx-a', amount: '50.00', status: 'SUCCEEDED' },
        { paymentId: 'pay-b', paymentMethod: 'WALLET', transactionId: 'tx-b', amount: '30.25', status: 'SUCCEEDED' },
        { paymentMethod: 'GIFT', amount: '19.75', status: 'FAILED', reason: 'card blocked' },
      ],
      totalAmount: '100.00',
      completed: false,
    });
    expect(h.state.failureStatus).toBe('PAYMENT_FAILED');
    expect(h.state.failureReason).toBe('split payment failed: GIFT 19.75: card blocked');
    expect(h.last.outbox.map((m) => [m.eventType, m.value.paymentId, m.value.amount])).toEqual([
      ['RefundPayment', 'pay-a', '50.00'],
      ['RefundPayment', 'pay-b', '30.25'],
    ]);

    h.reply('PaymentRefunded', { paymentId: 'pay-b', amount: '30.25' });
    expect(h.state.currentStep).toBe('processPayment');
    expect(h.last.outbox).toHaveLength(0);
    h.reply('PaymentRefunded', { paymentId: 'pay-a' });
    expect(h.lastSentTypes()).toEqual(['ReleaseInventory']);
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    expect(h.state.status).toBe('PAYMENT_FAILED');
    expect(h.state.data.paymentParts.map((p) => p.status)).toEqual(['REFUNDED', 'REFUNDED', 'FAILED']);
    expectContractValid(h.sent);
  });

  it('split payment where every part failed has nothing to refund', () => {
    const h = new OrderSagaHarness().start(
      orderCreated({ paymentMethod: undefined, payments: [{ paymentMethod: 'CARD', amount: '60.00' }, { paymentMethod: 'GIFT', amount: '40.00' }] }),
    );
    h.reply('ProductReserved', RESERVED);
    h.reply('SplitPayment', {
      payments: [
        { paymentMethod: 'CARD', amount: '60.00', status: 'FAILED', reason: 'declined' },
        { paymentMethod: 'GIFT', amount: '40.00', status: 'FAILED', reason: 'declined' },
      ],
      totalAmount: '100.00',
      completed: false,
    });
    expect(h.lastSentTypes()).toEqual(['ReleaseInventory']);
    expect(h.stepStatuses().processPayment).toBe('FAILED');
  });
});
