import { abort, fireTimer, nextDueAtMs, resume, skipStep } from '../../../src/core';
import { expectContractValid, OrderSagaHarness, orderCreated, paid, RESERVED } from '../support/order';

/**
 * CONTRACT.md: "Nothing charged is left unrefunded". A charge the saga does not keep (a second
 * paymentId for the same command, a payment after its step gave up) is refunded in every state,
 * once, recorded on the saga, and does not change the saga's status.
 */

/** Times the running step out through all its attempts (3 by default). */
function exhaust(h: OrderSagaHarness): void {
  for (let i = 0; i < 5; i++) h.fire();
}

/** Paid with pay-1, waiting at confirmInventory. */
function paidAndConfirming(): OrderSagaHarness {
  return new OrderSagaHarness().start().reply('ProductReserved', RESERVED).reply('PaymentProcessed', paid('100.00', 'pay-1'));
}

function completed(): OrderSagaHarness {
  return paidAndConfirming().reply('InventoryConfirmed', { reservationId: 'res-1' });
}

function refunds(h: OrderSagaHarness) {
  return h.sentOf('RefundPayment').map((m) => [m.value.paymentId, m.value.amount, m.value.retryCount]);
}

describe('order saga: unkept charges are refunded', () => {
  it('refunds a second paymentId arriving after COMPLETED (the answer to a re-send), once, keeping the status', () => {
    const h = completed();
    expect(h.state.status).toBe('COMPLETED');
    const lateId = 'bbbbbbbb-0000-4000-8000-000000000001';
    h.reply('PaymentProcessed', paid('100.00', 'pay-2'), lateId);

    expect(h.state.status).toBe('COMPLETED');
    expect(h.last.outbox.map((m) => [m.eventType, m.value.paymentId, m.value.amount, m.value.causationId])).toEqual([
      ['RefundPayment', 'pay-2', '100.00', lateId],
    ]);
    expect(h.last.events.map((e) => e.type)).toEqual(['UNKEPT_EFFECT', 'WARNING', 'COMMAND_SENT']);
    expect(h.last.events[0]).toMatchObject({ step: 'processPayment', detail: { key: 'pay-2', eventId: lateId, sagaStatus: 'COMPLETED' } });
    expect(h.state.unkept).toEqual([expect.objectContaining({ key: 'pay-2', step: 'processPayment', status: 'UNDOING', attempts: 1 })]);
    expect(h.state.data.paymentIds).toEqual(['pay-1']); // the kept payment is untouched
    expect(nextDueAtMs(h.state)).not.toBeNull(); // the refund is retried like a compensation

    // Redelivered with the same eventId, or repeated with a new one: no second refund.
    h.reply('PaymentProcessed', paid('100.00', 'pay-2'), lateId);
    h.reply('PaymentProcessed', paid('100.00', 'pay-2'));
    // Repeating the kept payment is not an unkept charge either.
    h.reply('PaymentProcessed', paid('100.00', 'pay-1'));
    expect(refunds(h)).toEqual([['pay-2', '100.00', 0]]);

    h.reply('PaymentRefunded', { paymentId: 'pay-2', amount: '100.00' });
    expect(h.last.events.map((e) => e.type)).toEqual(['REPLY_RECEIVED', 'UNKEPT_EFFECT_UNDONE']);
    expect(h.state.status).toBe('COMPLETED');
    expect(h.state.unkept![0]).toMatchObject({ status: 'UNDONE', timer: null });
    expect(nextDueAtMs(h.state)).toBeNull();
    expect(h.sentOf('OrderApproved')).toHaveLength(1);
    expectContractValid(h.sent);
  });

  it('refunds a second paymentId while the saga still runs, and approves with the kept one only', () => {
    const h = paidAndConfirming();
    h.reply('PaymentProcessed', paid('100.00', 'pay-2'));
    expect(h.state.status).toBe('RUNNING');
    expect(h.lastSentTypes()).toEqual(['RefundPayment']);
    // The step timer and the refund's timer coexist; the earlier one is due first.
    expect(nextDueAtMs(h.state)).toBe(Math.min(h.state.timer!.dueAtMs, h.state.unkept![0].timer!.dueAtMs));
    h.reply('InventoryConfirmed', { reservationId: 'res-1' });
    expect(h.state.status).toBe('COMPLETED');
    expect(h.sentOf('OrderApproved')[0].value.paymentIds).toEqual(['pay-1']);
  });

  it('refunds a payment that arrives after the step timed out and the saga ended TIMED_OUT, without reopening it', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReserved', RESERVED);
    exhaust(h);
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    expect(h.state.status).toBe('TIMED_OUT');
    const endedAt = h.state.endedAtMs;

    h.reply('PaymentProcessed', paid('100.00', 'pay-late'));
    expect(h.state.status).toBe('TIMED_OUT');
    expect(h.state.endedAtMs).toBe(endedAt);
    expect(h.last.outbox.map((m) => [m.eventType, m.value.paymentId])).toEqual([['RefundPayment', 'pay-late']]);
    h.reply('PaymentRefunded', { paymentId: 'pay-late', amount: '100.00' });
    expect(h.state.status).toBe('TIMED_OUT');
    expect(h.sentOf('OrderCancelled')).toHaveLength(1);
    expect(h.eventTypes().filter((t) => t === 'SAGA_FAILED')).toHaveLength(1);
  });

  it('refunds a late payment at once while the compensation of another step runs', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReserved', RESERVED);
    exhaust(h);
    expect(h.state).toMatchObject({ status: 'COMPENSATING', currentStep: 'reserveInventory' });
    h.reply('PaymentProcessed', paid('100.00', 'pay-late'));
    expect(h.lastSentTypes()).toEqual(['RefundPayment']);
    expect(h.state.currentStep).toBe('reserveInventory');
    h.reply('PaymentRefunded', { paymentId: 'pay-late' });
    expect(h.state.status).toBe('COMPENSATING'); // the refund's reply does not move the compensation
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    expect(h.state.status).toBe('TIMED_OUT');
    expect(refunds(h)).toEqual([['pay-late', '100.00', 0]]);
  });

  it('refunds a second charge while the payment itself is being refunded, and after COMPENSATED, but never a refunded one again', () => {
    const h = paidAndConfirming().compensate();
    expect(h.state.currentStep).toBe('processPayment');
    h.reply('PaymentProcessed', paid('100.00', 'pay-2'));
    expect(refunds(h)).toEqual([['pay-1', '100.00', 0], ['pay-2', '100.00', 0]]);
    h.reply('PaymentRefunded', { paymentId: 'pay-2' });
    expect(h.state.steps[2].status).toBe('COMPENSATING'); // pay-1's refund is still awaited
    h.reply('PaymentRefunded', { paymentId: 'pay-1' });
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    expect(h.state.status).toBe('COMPENSATED');

    h.reply('PaymentProcessed', paid('100.00', 'pay-1')); // the refunded charge, repeated
    h.reply('PaymentProcessed', paid('100.00', 'pay-3'));
    expect(h.state.status).toBe('COMPENSATED');
    expect(refunds(h).map((r) => r[0])).toEqual(['pay-1', 'pay-2', 'pay-3']);
  });

  it('refunds in ABORTED and COMPENSATION_FAILED too', () => {
    const aborted = new OrderSagaHarness().start().reply('ProductReserved', RESERVED);
    aborted.manual(abort(aborted.def, aborted.state, { actor: 'ops', reason: 'fraud' }, aborted.ctx));
    aborted.reply('PaymentProcessed', paid('100.00', 'pay-a'));
    expect(aborted.state.status).toBe('ABORTED');
    expect(refunds(aborted)).toEqual([['pay-a', '100.00', 0]]);

    const stuck = new OrderSagaHarness().start().reply('ProductReserved', RESERVED);
    exhaust(stuck); // payment timed out; the release is never answered
    exhaust(stuck);
    expect(stuck.state.status).toBe('COMPENSATION_FAILED');
    stuck.reply('PaymentProcessed', paid('100.00', 'pay-b'));
    expect(stuck.state.status).toBe('COMPENSATION_FAILED');
    expect(refunds(stuck)).toEqual([['pay-b', '100.00', 0]]);
  });

  it('refunds each part of a late split payment that succeeded', () => {
    const h = new OrderSagaHarness().start(orderCreated({
      paymentMethod: null,
      payments: [{ paymentMethod: 'CARD', amount: '60.00' }, { paymentMethod: 'GIFT', amount: '40.00' }],
    }));
    h.reply('ProductReserved', RESERVED);
    exhaust(h);
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    h.reply('SplitPayment', {
      payments: [
        { paymentId: 'sp-1', paymentMethod: 'CARD', transactionId: 't-1', amount: '60.00', status: 'SUCCEEDED' },
        { paymentMethod: 'GIFT', amount: '40.00', status: 'FAILED', reason: 'declined' },
      ],
      totalAmount: '100.00',
      completed: false,
    });
    expect(h.state.status).toBe('TIMED_OUT');
    expect(refunds(h)).toEqual([['sp-1', '60.00', 0]]);
  });

  it('refunds a gateway charge that arrives for a payment step the operator skipped, but keeps the one the operator named', () => {
    const h = new OrderSagaHarness().start().reply('ProductReserved', RESERVED);
    h.manual(skipStep(h.def, h.state, 'processPayment', { paymentIds: ['till-1'] }, { actor: 'ops', reason: 'paid at the till' }, h.ctx));
    h.reply('PaymentProcessed', paid('100.00', 'till-1'));
    h.reply('PaymentProcessed', paid('100.00', 'gw-1'));
    expect(refunds(h)).toEqual([['gw-1', '100.00', 0]]);
  });

  it('retries an unanswered refund like a compensation (same eventId, retryCount + 1), then records that it gave up', () => {
    const h = completed();
    h.reply('PaymentProcessed', paid('100.00', 'pay-2'));
    const refundId = h.last.outbox[0].eventId;
    for (let i = 0; i < 6 && nextDueAtMs(h.state) !== null; i++) {
      h.ctx.nowMs = nextDueAtMs(h.state)!;
      h.take(fireTimer(h.def, h.state, h.ctx));
    }
    expect(h.sentOf('RefundPayment').map((m) => [m.eventId, m.value.retryCount])).toEqual([[refundId, 0], [refundId, 1], [refundId, 2]]);
    expect(h.state.status).toBe('COMPLETED');
    expect(h.state.unkept![0]).toMatchObject({ status: 'FAILED', attempts: 3, timer: null });
    expect(h.eventTypes()).toContain('UNKEPT_EFFECT_UNDO_FAILED');
    expect(h.state.warnings.at(-1)).toMatch(/pay-2/);

    // An operator's resume sends it again; a late PaymentRefunded is still accepted.
    h.manual(resume(h.def, h.state, { actor: 'ops', reason: 'gateway back' }, h.ctx));
    expect(h.last.outbox.map((m) => [m.eventId, m.value.retryCount])).toEqual([[refundId, 3]]);
    h.reply('PaymentRefunded', { paymentId: 'pay-2' });
    expect(h.state.unkept![0].status).toBe('UNDONE');
    expect(h.state.status).toBe('COMPLETED');
  });
});
