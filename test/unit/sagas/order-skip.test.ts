import { skipStep } from '../../../src/core';
import { applyManualAction } from '../../../src/runtime/manual-actions';
import { skipOutputProblems as fieldProblems } from '../../../src/runtime/skip-output';

const skipOutputProblems = (schema: Record<string, unknown> | undefined, output: Record<string, unknown>) =>
  fieldProblems(schema, output)?.map((p) => p.message).join('; ') ?? null;
import { OrderSagaHarness, orderCreated, RESERVED } from '../support/order';

const ops = { actor: 'ops', reason: 'ticket 9' };

function atCoupon(): OrderSagaHarness {
  return new OrderSagaHarness().start(orderCreated({ couponCode: 'SAVE10' })).reply('ProductReserved', RESERVED);
}

describe('order saga: a skip supplies only what the step produces', () => {
  it('refuses a skipped coupon that would set the amount due, or any other field', () => {
    const h = atCoupon();
    expect(h.state.currentStep).toBe('applyCoupon');
    const cheap = skipStep(h.def, h.state, 'applyCoupon', { finalAmount: '0.01' }, ops, h.ctx);
    expect(cheap).toMatchObject({ ok: false, code: 'INVALID_OUTPUT', message: expect.stringContaining('finalAmount: not produced by this step') });
    const discount = skipStep(h.def, h.state, 'applyCoupon', { discountAmount: '99.99', couponApplied: true }, ops, h.ctx);
    expect(discount).toMatchObject({ ok: false, code: 'INVALID_OUTPUT', message: expect.stringMatching(/discountAmount: not produced.*couponApplied: not produced/) });
    const takeover = skipStep(h.def, h.state, 'applyCoupon', { customerId: 'someone-else' }, ops, h.ctx);
    expect(takeover).toMatchObject({ ok: false, code: 'INVALID_OUTPUT', message: expect.stringContaining('customerId') });
  });

  it('a skipped coupon charges the full total', () => {
    const h = atCoupon();
    h.manual(skipStep(h.def, h.state, 'applyCoupon', {}, ops, h.ctx));
    expect(h.last.outbox.map((m) => [m.eventType, m.value.amount])).toEqual([['ProcessPayment', '100.00']]);
    expect(h.state.data).toMatchObject({ discountAmount: '0.00', finalAmount: '100.00', couponApplied: false, customerId: 'customer-7' });
  });

  it('a skipped payment takes only paymentIds; customerId and amounts stay', () => {
    const h = atCoupon();
    h.manual(skipStep(h.def, h.state, 'applyCoupon', {}, ops, h.ctx));
    const before = h.state.data;
    const refused = skipStep(h.def, h.state, 'processPayment', { paymentIds: ['till-1'], customerId: 'x', finalAmount: '1.00' }, ops, h.ctx);
    expect(refused).toMatchObject({ ok: false, code: 'INVALID_OUTPUT', message: expect.stringMatching(/customerId: not produced.*finalAmount: not produced/) });
    expect(skipStep(h.def, h.state, 'processPayment', { paymentIds: [] }, ops, h.ctx)).toMatchObject({ ok: false, code: 'INVALID_OUTPUT' });
    h.manual(skipStep(h.def, h.state, 'processPayment', { paymentIds: ['till-1'] }, ops, h.ctx));
    expect(h.state.data).toEqual({ ...before, paymentIds: ['till-1'] });
  });

  it('checks types, formats and extra fields against the strict schema, one message per field (runtime, ajv)', () => {
    const h = atCoupon();
    const paymentSchema = h.def.steps.find((s) => s.name === 'processPayment')!.outputSchema;
    expect(skipOutputProblems(paymentSchema, { paymentIds: 'bank-1', customerId: 'x' })).toBe('customerId: not produced by this step; paymentIds: must be array');
    expect(skipOutputProblems(paymentSchema, {})).toBe('paymentIds: is required');
    expect(skipOutputProblems(paymentSchema, { paymentIds: [''] })).toMatch(/^paymentIds\.0: must NOT have fewer than 1 characters$/);
    expect(skipOutputProblems(paymentSchema, { paymentIds: ['b-1'] })).toBeNull();
    // A schema that does not mention extra properties still forbids them.
    expect(skipOutputProblems({ type: 'object', properties: { a: { type: 'string' } } }, { a: 'x', b: 1 })).toBe('b: not produced by this step');
    expect(fieldProblems(paymentSchema, { paymentIds: 'bank-1', customerId: 'x' })?.map((p) => p.field)).toEqual(['customerId', 'paymentIds']);
    const viaRuntime = () => applyManualAction(h.def, h.state, {
      action: 'skipStep', sagaId: h.state.id, step: 'applyCoupon', output: { finalAmount: '0.01' }, reason: 'r', actor: 'a', roles: [], idempotencyKey: 'k',
    }, h.ctx);
    expect(viaRuntime).toThrow(expect.objectContaining({
      code: 'INVALID_OUTPUT', message: expect.stringContaining('finalAmount: not produced by this step'),
      details: { fieldErrors: [{ field: 'finalAmount', message: 'finalAmount: not produced by this step' }] },
    }));
  });
});
