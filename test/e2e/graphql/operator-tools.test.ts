import { randomUUID } from 'node:crypto';
import {
  AuditLogDocument, AuditLogUpdatedDocument, CompensateWithPlanDocument, CompensationPlanDocument, RetryStepDocument,
  SagaWithAuditDocument, SkipStepDocument,
} from '../../generated/graphql';
import { bearer, wsAuth } from '../../helpers/auth';
import { postGraphQL, takeFromSubscription, wsClient } from '../../helpers/graphql';
import { SagaStack } from '../../helpers/saga-stack';
import { eventually } from '../../helpers/services';

const key = () => `key-${randomUUID()}`;

/** Guarded compensation, outcome-true audit, per-action permissions, masking and skip output validation. */
describe('operator tools', () => {
  let stack: SagaStack;
  beforeAll(async () => { stack = await SagaStack.start({ SAGA_STEP_TIMEOUT_MS: '60000' }); });
  afterAll(() => stack.stop());
  const url = () => stack.service.url;

  /** A saga that has paid and waits for the stock confirmation that never comes. */
  async function paidAndWaiting(input: Parameters<SagaStack['participants']['createOrder']>[0] = {}) {
    const order = await stack.participants.createOrder({ scenario: 'silent:ConfirmInventory', couponCode: 'SAVE10', ...input });
    await eventually(async () => ((await stack.sagaByOrder(order.orderId))?.current_step === 'confirmInventory' ? true : undefined), 20000, 'saga in confirmInventory');
    return (await stack.sagaByOrder(order.orderId))!;
  }

  it('plans a split payment\'s refunds per part, refuses a stale plan with the new one, and needs finance for refunds', async () => {
    const saga = await paidAndWaiting({ payments: [{ paymentMethod: 'CREDIT_CARD', amount: '50.00' }, { paymentMethod: 'GIFT_CARD' }] });
    const { body } = await postGraphQL(url(), CompensationPlanDocument, { sagaId: saga.id }, bearer('viewer'));
    const plan = body.data!.compensationPlan!;
    expect(plan.compensations.map((c) => c.step)).toEqual(['processPayment', 'applyCoupon', 'reserveInventory']);
    const refunds = plan.compensations[0].commands;
    const charges = stack.participants.ledger.order(saga.state.businessKey)!.charges;
    expect(refunds.map((c) => c.eventType)).toEqual(['RefundPayment', 'RefundPayment']);
    expect(refunds.map((c) => [c.payload.paymentId, c.payload.amount]).sort()).toEqual(charges.map((c) => [c.paymentId, c.amount]).sort());
    expect(plan.requiredRoles).toEqual(['finance']);

    // An operator may not refund.
    const forbidden = await postGraphQL(url(), CompensateWithPlanDocument, { id: saga.id, reason: 'customer cancelled', idempotencyKey: key(), planToken: plan.planToken }, bearer('operator'));
    expect(forbidden.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    // The saga changes after the plan: the old token is refused with the new plan.
    await postGraphQL(url(), RetryStepDocument, { sagaId: saga.id, step: 'confirmInventory', reason: 'nudge the stock service', idempotencyKey: key() }, bearer('support'));
    const stale = await postGraphQL(url(), CompensateWithPlanDocument, { id: saga.id, reason: 'customer cancelled', idempotencyKey: key(), planToken: plan.planToken }, bearer('finance'));
    expect(stale.body.errors?.[0].extensions?.code).toBe('PLAN_OUTDATED');
    const fresh = (stale.body.errors![0].extensions!.plan as { planToken: string; sagaVersion: number });
    expect(fresh.sagaVersion).toBeGreaterThan(plan.sagaVersion);
    expect((await stack.sagaByOrder(saga.state.businessKey))!.status).toBe('RUNNING');

    const done = await postGraphQL(url(), CompensateWithPlanDocument, { id: saga.id, reason: 'customer cancelled', idempotencyKey: key(), planToken: fresh.planToken }, bearer('finance'));
    expect(done.body.errors).toBeUndefined();
    await stack.waitForStatus(saga.state.businessKey, 'COMPENSATED');
    const view = await eventually(() => {
      const v = stack.participants.ledger.order(saga.state.businessKey)!;
      return v.refunds.length === 2 ? v : undefined;
    }, 20000, 'both refunds');
    expect(view.netCharged).toMatch(/^0(\.0+)?$/);
  });

  it('records every manual action with actor, role, reason and state before, and later its real outcome', async () => {
    const saga = await paidAndWaiting();
    const client = wsClient(url(), wsAuth('viewer'));
    try {
      const updates = takeFromSubscription(client, AuditLogUpdatedDocument, 2, { filter: { sagaId: saga.id, action: 'compensate' } });
      await new Promise((r) => setTimeout(r, 300));
      await postGraphQL(url(), RetryStepDocument, { sagaId: saga.id, step: 'confirmInventory', reason: 'stock service restarted', idempotencyKey: key() }, bearer('support'));
      const compensated = await postGraphQL(url(), CompensateWithPlanDocument, { id: saga.id, reason: 'order too late', idempotencyKey: key() }, bearer('finance'));
      expect(compensated.body.errors).toBeUndefined();
      const [recorded, final] = await updates;
      expect(recorded.auditLogUpdated).toMatchObject({ action: 'compensate', actor: 'finance-user' });
      expect(final.auditLogUpdated.outcome.status).toBe('SUCCEEDED');
    } finally {
      await client.dispose();
    }
    await stack.waitForStatus(saga.state.businessKey, 'COMPENSATED');
    const { body } = await postGraphQL(url(), AuditLogDocument, { filter: { sagaId: saga.id }, first: 10 }, bearer('viewer'));
    const [compensate, retry] = body.data!.auditLog.entries;
    expect(compensate).toMatchObject({ action: 'compensate', actor: 'finance-user', roles: ['finance'], reason: 'order too late' });
    expect(compensate.outcome).toMatchObject({ status: 'SUCCEEDED', sagaStatus: 'COMPENSATED' });
    expect(retry).toMatchObject({ action: 'retryStep', step: 'confirmInventory', actor: 'support-user', roles: ['support'] });
    expect(retry.stateBefore).toMatchObject({ status: 'RUNNING', currentStep: 'confirmInventory' });
    // The retried step never succeeded: the operator compensated the saga instead.
    expect(retry.outcome.status).toBe('FAILED');
    expect(retry.outcome.stepStatus).toBe('FAILED');
    expect(retry.outcome.detail).toMatch(/compensated by finance-user/);
    // Across sagas, by actor.
    const byActor = await postGraphQL(url(), AuditLogDocument, { filter: { actor: 'finance-user' }, first: 50 }, bearer('viewer'));
    expect(byActor.body.data!.auditLog.entries.every((e) => e.actor === 'finance-user')).toBe(true);
    expect(byActor.body.data!.auditLog.entries.some((e) => e.sagaId === saga.id)).toBe(true);
    const perSaga = await postGraphQL(url(), SagaWithAuditDocument, { id: saga.id }, bearer('viewer'));
    expect(perSaga.body.data!.saga!.auditLog.map((e) => e.action)).toEqual(['retryStep', 'compensate']);
  });

  it('lets support act on stock steps but not on payments, and masks customer data for analysts', async () => {
    const paid = await paidAndWaiting();
    const stock = await postGraphQL(url(), RetryStepDocument, { sagaId: paid.id, step: 'confirmInventory', reason: 'support retry', idempotencyKey: key() }, bearer('support'));
    expect(stock.body.errors).toBeUndefined();
    const refund = await postGraphQL(url(), CompensateWithPlanDocument, { id: paid.id, reason: 'support tries a refund', idempotencyKey: key() }, bearer('support'));
    expect(refund.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const stuckPayment = await stack.participants.createOrder({ scenario: 'silent:ProcessPayment' });
    await eventually(async () => ((await stack.sagaByOrder(stuckPayment.orderId))?.current_step === 'processPayment' ? true : undefined), 20000, 'payment step');
    const paySaga = (await stack.sagaByOrder(stuckPayment.orderId))!;
    const payRetry = await postGraphQL(url(), RetryStepDocument, { sagaId: paySaga.id, step: 'processPayment', reason: 'support retry', idempotencyKey: key() }, bearer('support'));
    expect(payRetry.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const analyst = await postGraphQL(url(), SagaWithAuditDocument, { id: paid.id }, bearer('analyst'));
    expect(analyst.body.data!.saga!.customerId).toBe('***');
    expect(analyst.body.data!.saga!.data.customerId).toBe('***');
    expect(analyst.body.data!.saga!.data.totalAmount).toBe(paid.state.data.totalAmount);
    const viewer = await postGraphQL(url(), SagaWithAuditDocument, { id: paid.id }, bearer('viewer'));
    expect(viewer.body.data!.saga!.customerId).toBe(paid.state.data.customerId);
  });

  it('validates a skipped step\'s output against its declared schema', async () => {
    const order = await stack.participants.createOrder({ scenario: 'silent:ProcessPayment' });
    await eventually(async () => ((await stack.sagaByOrder(order.orderId))?.current_step === 'processPayment' ? true : undefined), 20000, 'payment step');
    const saga = (await stack.sagaByOrder(order.orderId))!;
    const wrongType = await postGraphQL(url(), SkipStepDocument, { sagaId: saga.id, step: 'processPayment', reason: 'paid by bank transfer', output: { paymentIds: 'not-a-list' }, idempotencyKey: key() }, bearer('operator'));
    expect(wrongType.body.errors?.[0].extensions?.code).toBe('INVALID_OUTPUT');
    expect(wrongType.body.errors?.[0].message).toMatch(/paymentIds/);
    // Per field, so a form can show each problem next to its input.
    expect(wrongType.body.errors?.[0].extensions?.fieldErrors).toEqual([{ field: 'paymentIds', message: 'paymentIds: must be array' }]);
    const missing = await postGraphQL(url(), SkipStepDocument, { sagaId: saga.id, step: 'processPayment', reason: 'paid by bank transfer', output: {}, idempotencyKey: key() }, bearer('operator'));
    expect(missing.body.errors?.[0].extensions?.fieldErrors).toEqual([{ field: 'paymentIds', message: 'paymentIds: is required' }]);
    const ok = await postGraphQL(url(), SkipStepDocument, { sagaId: saga.id, step: 'processPayment', reason: 'paid by bank transfer', output: { paymentIds: ['bank-1'] }, idempotencyKey: key() }, bearer('operator'));
    expect(ok.body.errors).toBeUndefined();
    await stack.waitForStatus(order.orderId, 'COMPLETED');
  });
});
