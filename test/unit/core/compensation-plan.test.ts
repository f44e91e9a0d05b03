import { applyReply, compensationPlan, startSaga } from '../../../src/core';
import { OrderSagaHarness, orderCreated, paid, RESERVED } from '../support/order';
import { TestContext } from '../support/context';
import { TOY_START, toyDefinition as def, toyReply } from '../support/toy';

describe('compensationPlan', () => {
  it('is empty before anything took effect', () => {
    const s = startSaga(def, TOY_START, new TestContext()).state;
    expect(compensationPlan(def, s)).toEqual([]);
  });

  it('lists what would run now, latest step first, without side effects', () => {
    const h = new OrderSagaHarness().start(orderCreated({ couponCode: 'SAVE10' }));
    h.reply('ProductReserved', RESERVED);
    h.reply('CouponApplied', { couponCode: 'SAVE10', discountAmount: '10.00', finalAmount: '90.00' });
    h.reply('PaymentProcessed', paid('90.00'));
    const before = structuredClone(h.state);

    const plan = compensationPlan(h.def, h.state);
    expect(plan.map((p) => [p.step, p.participant, p.stepStatus, p.inProgress])).toEqual([
      ['processPayment', 'Payment', 'SUCCEEDED', false],
      ['applyCoupon', 'Promotion', 'SUCCEEDED', false],
      ['reserveInventory', 'Product', 'SUCCEEDED', false],
    ]);
    expect(plan[0].commands).toEqual([
      { topic: 'refund-payment-commands', eventType: 'RefundPayment', payload: { paymentId: 'pay-1', amount: '90.00', reason: 'COMPENSATED: compensation' } },
    ]);
    expect(plan[2].commands[0]).toMatchObject({ topic: 'release-inventory-commands', payload: { reservationId: 'res-1' } });
    expect(h.state).toEqual(before);
  });

  it('puts the compensation in progress first, with the commands it actually sent', () => {
    const ctx = new TestContext();
    let s = startSaga(def, TOY_START, ctx).state;
    s = applyReply(def, s, toyReply('Booked', { booking: 'B-2' }), ctx).state;
    s = applyReply(def, s, toyReply('PartFailed'), ctx).state; // parts 0: nothing of collect to undo
    const plan = compensationPlan(def, s);
    expect(plan).toEqual([
      {
        step: 'book',
        participant: 'Hotel',
        stepStatus: 'COMPENSATING',
        inProgress: true,
        commands: [{ topic: 'cancel-commands', eventType: 'Cancel', payload: { booking: 'B-2', why: 'part bounced' } }],
      },
    ]);
  });
});
