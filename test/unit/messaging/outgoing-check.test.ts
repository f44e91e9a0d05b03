import type { OutboxMessage } from '../../../src/core';
import { assertOutgoingValid as assertValid, InvalidCommandError, outgoingProblem as problemOf } from '../../../src/messaging/outgoing-check';
import { ORDER_WIRE } from '../../../src/sagas/order/contract';

// Checked against the order saga's contract.
const outgoingProblem = (message: OutboxMessage) => problemOf(ORDER_WIRE, message);
const assertOutgoingValid = (sagaId: string, messages: OutboxMessage[]) => assertValid(ORDER_WIRE, sagaId, messages);
import { OrderSagaHarness, orderCreated, paid, RESERVED } from '../support/order';

describe('outgoing commands are checked against the contract before the outbox', () => {
  const h = new OrderSagaHarness().start(orderCreated({ couponCode: 'SAVE10' })).reply('ProductReserved', RESERVED);
  const applyCoupon = h.last.outbox[0];

  it('accepts what the order saga sends', () => {
    h.reply('CouponApplied', { couponCode: 'SAVE10', discountAmount: '10.00', finalAmount: '90.00' });
    h.reply('PaymentProcessed', paid('90.00'));
    h.reply('InventoryConfirmed', { reservationId: 'res-1' });
    expect(h.sent.map((m) => m.eventType)).toEqual(['ReserveInventory', 'ApplyCoupon', 'ProcessPayment', 'ConfirmInventory', 'OrderApproved']);
    expect(h.sent.map(outgoingProblem)).toEqual(h.sent.map(() => null));
  });

  it('refuses a charge, refund or discount of zero or less, a wrong topic and a missing field', () => {
    const value = applyCoupon.value;
    expect(outgoingProblem({ ...applyCoupon, value: { ...value, amount: '0.00' } })).toMatch(/amount: must be greater than zero/);
    expect(outgoingProblem({ ...applyCoupon, value: { ...value, amount: '-5.00' } })).toMatch(/amount: must be greater than zero/);
    expect(outgoingProblem({ ...applyCoupon, value: { ...value, customerId: undefined } })).toMatch(/customerId/);
    expect(outgoingProblem({ ...applyCoupon, topic: 'refund-payment-commands' })).toMatch(/may not be sent on topic/);
    expect(outgoingProblem({ ...applyCoupon, topic: 'order-created-events' })).toMatch(/not one the orchestrator sends on/);
    const refund = { ...applyCoupon, topic: 'refund-payment-commands', eventType: 'RefundPayment', value: { ...value, eventType: 'RefundPayment', paymentId: 'p-1', amount: '0', reason: 'r' } };
    expect(outgoingProblem(refund)).toMatch(/amount: must be greater than zero/);
    expect(() => assertOutgoingValid('s-1', [refund])).toThrow(InvalidCommandError);
    expect(() => assertOutgoingValid('s-1', [applyCoupon])).not.toThrow();
  });
});

describe('order saga: a coupon reply with amounts the order cannot justify', () => {
  it('fails the coupon step and cancels the coupon instead of charging them', () => {
    const h = new OrderSagaHarness({ couponPolicy: 'continue', retry: { jitter: 0 } }).start(orderCreated({ couponCode: 'SAVE10' })).reply('ProductReserved', RESERVED);
    h.reply('CouponApplied', { couponCode: 'SAVE10', discountAmount: '10.00', finalAmount: '0.01' });
    expect(h.sentOf('ProcessPayment')).toHaveLength(0);
    expect(h.state.failureReason).toMatch(/final amount 0.01 instead of 90.00/);
    expect(h.lastSentTypes()).toEqual(['CancelCoupon']);
  });

  it('charges nothing for a coupon that covers the whole order', () => {
    const h = new OrderSagaHarness().start(orderCreated({ couponCode: 'FREE' })).reply('ProductReserved', RESERVED);
    h.reply('CouponApplied', { couponCode: 'FREE', discountAmount: '100.00', finalAmount: '0.00' });
    expect(h.stepStatuses().processPayment).toBe('SKIPPED');
    expect(h.state.currentStep).toBe('confirmInventory');
  });
});
