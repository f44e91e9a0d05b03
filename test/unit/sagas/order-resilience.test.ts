import { expectContractValid, OrderSagaHarness, orderCreated, paid, RESERVED } from '../support/order';

/** Times the running step out through all its attempts (3 by default). */
function exhaust(h: OrderSagaHarness): void {
  for (let i = 0; i < 5; i++) h.fire();
}

describe('order saga: timeouts, retries, late and odd replies', () => {
  it('retries a silent step with back-off, re-sending the same eventId with retryCount + 1', () => {
    const h = new OrderSagaHarness().start();
    const first = h.last.outbox[0];
    const t0 = h.ctx.nowMs;

    h.fire();
    expect(h.state.timer).toEqual({ dueAtMs: t0 + 30_000 + 1_000, purpose: 'retry', step: 'reserveInventory', phase: 'forward', attempt: 2 });
    expect(h.last.outbox).toHaveLength(0);
    expect(h.last.events.map((e) => e.type)).toEqual(['TIMED_OUT', 'RETRY_SCHEDULED']);
    expect(h.last.events[1].detail).toEqual({ phase: 'forward', attempt: 2, nextAtMs: t0 + 31_000 });

    h.fire();
    expect(h.last.outbox).toHaveLength(1);
    expect(h.last.outbox[0].eventId).toBe(first.eventId);
    expect(h.last.outbox[0].value).toMatchObject({ eventId: first.eventId, retryCount: 1, items: first.value.items });
    expect(h.state.steps[0].attempts).toBe(2);

    h.fire(); // timeout of attempt 2: back-off doubles
    expect(h.state.timer?.dueAtMs).toBe(h.ctx.nowMs + 2_000);
    h.fire();
    expect(h.last.outbox[0]).toMatchObject({ eventId: first.eventId, value: expect.objectContaining({ retryCount: 2 }) });
    expect(h.state.steps[0].commandEventIds).toEqual([first.eventId]);
  });

  it('applies jitter from the injected random source', () => {
    const h = new OrderSagaHarness({ couponPolicy: 'continue', retry: { jitter: 0.5 } }).start();
    h.ctx.randomValue = 1;
    h.fire();
    expect(h.state.timer!.dueAtMs - h.ctx.nowMs).toBe(500);
  });

  it('fails a step that never answers after its retries: TIMED_OUT, compensating what was done', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReserved', RESERVED);
    exhaust(h);
    expect(h.stepStatuses().processPayment).toBe('FAILED');
    expect(h.state.steps[2].attempts).toBe(3);
    expect(h.state.failureStatus).toBe('TIMED_OUT');
    expect(h.state.status).toBe('COMPENSATING');
    expect(h.lastSentTypes()).toEqual(['ReleaseInventory']);
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    expect(h.state.status).toBe('TIMED_OUT');
    expect(h.last.outbox[0].value).toMatchObject({ eventType: 'OrderCancelled', status: 'TIMED_OUT' });
    expect(h.sentOf('ProcessPayment').map((m) => m.value.retryCount)).toEqual([0, 1, 2]);
    expectContractValid(h.sent);
  });

  it('refunds a PaymentProcessed that arrives after the payment timed out and the saga ended', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReserved', RESERVED);
    exhaust(h);
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    expect(h.state.status).toBe('TIMED_OUT');
    const cancelledBefore = h.sentOf('OrderCancelled').length;

    h.reply('PaymentProcessed', paid('100.00', 'pay-late'));
    // Refunded as an unkept charge: the saga stays TIMED_OUT, the step stays FAILED.
    expect(h.state.status).toBe('TIMED_OUT');
    expect(h.state.steps[2]).toMatchObject({ status: 'FAILED', needsCompensation: false });
    expect(h.last.outbox.map((m) => [m.eventType, m.value.paymentId, m.value.amount])).toEqual([['RefundPayment', 'pay-late', '100.00']]);
    expect(h.state.warnings[0]).toMatch(/PaymentProcessed reported pay-late/);

    h.reply('PaymentRefunded', { paymentId: 'pay-late', amount: '100.00' });
    expect(h.state.status).toBe('TIMED_OUT');
    expect(h.sentOf('OrderCancelled')).toHaveLength(cancelledBefore); // told once only
    expect(h.state.unkept).toEqual([expect.objectContaining({ key: 'pay-late', status: 'UNDONE' })]);
  });

  it('refunds a late payment that arrives while an earlier compensation is still running', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReserved', RESERVED);
    exhaust(h);
    expect(h.state.currentStep).toBe('reserveInventory'); // release in progress
    h.reply('PaymentProcessed', paid('100.00', 'pay-late'));
    expect(h.lastSentTypes()).toEqual(['RefundPayment']);
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    h.reply('PaymentRefunded', { paymentId: 'pay-late' });
    expect(h.state.status).toBe('TIMED_OUT');
    expect(h.sentOf('OrderCancelled')).toHaveLength(1);
  });

  it('ignores a late PaymentFailed after the timeout', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReserved', RESERVED);
    exhaust(h);
    const before = h.state;
    h.reply('PaymentFailed', { paymentMethod: 'CARD', amount: '100.00', reason: 'declined' });
    expect(h.last.events).toEqual([expect.objectContaining({ type: 'REPLY_IGNORED', step: 'processPayment', detail: expect.objectContaining({ why: 'late' }) })]);
    expect(h.state.steps).toEqual(before.steps);
  });

  it('ignores a redelivered reply (same eventId)', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReserved', RESERVED, 'aaaaaaaa-0000-4000-8000-000000000001');
    const afterFirst = h.state;
    h.reply('ProductReserved', RESERVED, 'aaaaaaaa-0000-4000-8000-000000000001');
    expect(h.last.outbox).toHaveLength(0);
    expect(h.last.events.map((e) => [e.type, e.detail.why])).toEqual([['REPLY_IGNORED', 'duplicate']]);
    expect(h.state.steps).toEqual(afterFirst.steps);
    expect(h.state.data).toEqual(afterFirst.data);
  });

  it('ignores a second success for a step that already succeeded (new eventId)', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReserved', RESERVED);
    h.reply('ProductReserved', { ...RESERVED, reservationId: 'res-2' });
    expect(h.last.events.map((e) => [e.type, e.detail.why])).toEqual([['REPLY_IGNORED', 'step not waiting']]);
    expect(h.state.data.reservationId).toBe('res-1');
  });

  it('ignores a reply of a type the current step does not expect', () => {
    const h = new OrderSagaHarness().start(orderCreated({ couponCode: 'SAVE10' }));
    h.reply('InventoryConfirmed', { reservationId: 'res-1' });
    expect(h.last.events.map((e) => [e.type, e.step, e.detail.why])).toEqual([['REPLY_IGNORED', 'confirmInventory', 'step not waiting']]);
    h.reply('OrderApproved', { finalAmount: '1.00', currency: 'EUR', paymentIds: [] });
    expect(h.last.events.map((e) => e.detail.why)).toEqual(['unexpected type']);
    expect(h.state.currentStep).toBe('reserveInventory');
    expect(h.state.status).toBe('RUNNING');
  });

  it('leaves the saga COMPENSATION_FAILED, without OrderCancelled, when a compensation keeps timing out', () => {
    const h = new OrderSagaHarness().start();
    h.reply('ProductReserved', RESERVED);
    h.reply('PaymentFailed', { paymentMethod: 'CARD', amount: '100.00', reason: 'declined' });
    const release = h.last.outbox[0];
    exhaust(h);
    expect(h.state.status).toBe('COMPENSATION_FAILED');
    expect(h.state.timer).toBeNull();
    expect(h.state.steps[0]).toMatchObject({ status: 'COMPENSATING', compensationAttempts: 3, needsCompensation: true });
    expect(h.sentOf('ReleaseInventory').map((m) => [m.eventId, m.value.retryCount])).toEqual([
      [release.eventId, 0],
      [release.eventId, 1],
      [release.eventId, 2],
    ]);
    expect(h.sentOf('OrderCancelled')).toHaveLength(0);
    expect(h.eventTypes()).toContain('COMPENSATION_FAILED');

    // the release finally confirmed: the saga finishes what it started
    h.reply('InventoryReleased', { reservationId: 'res-1' });
    expect(h.state.status).toBe('PAYMENT_FAILED');
    expect(h.sentOf('OrderCancelled')).toHaveLength(1);
  });
});
