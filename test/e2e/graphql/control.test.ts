import { randomUUID } from 'node:crypto';
import {
  AbortSagaDocument, CompensateSagaDocument, ResumeSagaDocument, RetryStepDocument, SagaStepUpdatedDocument, SagaUpdatedDocument,
  ResendCommandDocument, SagaDiagnosticsDocument, SagaEventFeedDocument, SagaEventsDocument, SagaStatsLiveDocument, SkipStepDocument, StartSagaDocument, type StartSagaInput,
} from '../../generated/graphql';
import { bearer, wsAuth } from '../../helpers/auth';
import { postGraphQL, takeFromSubscription, wsClient } from '../../helpers/graphql';
import { SagaStack } from '../../helpers/saga-stack';
import { startTestService, type TestService } from '../../helpers/service';
import { eventually } from '../../helpers/services';

const key = () => `key-${randomUUID()}`;
const orderInput = (overrides: Partial<StartSagaInput> = {}): StartSagaInput => ({
  customerId: 'support-ticket-42', currency: 'EUR', totalAmount: '20.00', paymentMethod: 'CREDIT_CARD',
  items: [{ productId: randomUUID(), sku: 'SKU-1', quantity: 2, unitPrice: '10.00' }], idempotencyKey: key(), ...overrides,
});

/** Manual intervention and live progress through the real server, broker and database. */
describe('control plane mutations and subscriptions', () => {
  let stack: SagaStack;
  // Steps wait a minute: a saga whose participant stays silent sits in that step for operators.
  beforeAll(async () => { stack = await SagaStack.start({ SAGA_STEP_TIMEOUT_MS: '60000' }, { lateReplyMs: 1000 }); });
  afterAll(() => stack.stop());
  const url = () => stack.service.url;

  async function stuckInPayment() {
    const order = await stack.participants.createOrder({ scenario: 'silent:ProcessPayment', couponCode: 'SAVE10' });
    await eventually(async () => ((await stack.sagaByOrder(order.orderId))?.current_step === 'processPayment' ? true : undefined), 20000, 'saga in processPayment');
    return (await stack.sagaByOrder(order.orderId))!;
  }

  it('startSaga runs an operator-started order to COMPLETED, idempotently', async () => {
    const input = orderInput();
    const first = await postGraphQL(url(), StartSagaDocument, { input }, bearer('operator'));
    expect(first.body.errors).toBeUndefined();
    const saga = first.body.data!.startSaga;
    expect(saga.status).toBe('RUNNING');
    const again = await postGraphQL(url(), StartSagaDocument, { input }, bearer('operator'));
    expect(again.body.data!.startSaga.id).toBe(saga.id);
    const reused = await postGraphQL(url(), StartSagaDocument, { input: { ...input, totalAmount: '30.00', items: [{ ...input.items[0], quantity: 3 }] } }, bearer('operator'));
    expect(reused.body.errors?.[0].extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    await stack.waitForStatus(saga.orderId, 'COMPLETED');
    const events = await stack.events(saga.id);
    expect(events.filter((e) => e.type === 'SAGA_STARTED')).toHaveLength(1);
  });

  it('rejects invalid input, missing roles and missing credentials with typed errors', async () => {
    const bad = await postGraphQL(url(), StartSagaDocument, { input: orderInput({ currency: 'euro' }) }, bearer('operator'));
    expect(bad.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const noPayment = await postGraphQL(url(), StartSagaDocument, { input: orderInput({ paymentMethod: null }) }, bearer('operator'));
    expect(noPayment.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const viewer = await postGraphQL(url(), StartSagaDocument, { input: orderInput() }, bearer('viewer'));
    expect(viewer.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const anonymous = await postGraphQL(url(), CompensateSagaDocument, { id: randomUUID(), reason: 'test', idempotencyKey: key() });
    expect(anonymous.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const unknown = await postGraphQL(url(), CompensateSagaDocument, { id: randomUUID(), reason: 'customer asked', idempotencyKey: key() }, bearer('operator'));
    expect(unknown.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const shortReason = await postGraphQL(url(), CompensateSagaDocument, { id: randomUUID(), reason: 'x', idempotencyKey: key() }, bearer('operator'));
    expect(shortReason.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('compensateSaga undoes a stuck saga in reverse order, records actor and reason, and refuses a second time', async () => {
    const saga = await stuckInPayment();
    const idempotencyKey = key();
    const result = await postGraphQL(url(), CompensateSagaDocument, { id: saga.id, reason: 'customer cancelled by phone', idempotencyKey }, bearer('operator'));
    expect(result.body.errors).toBeUndefined();
    expect(['COMPENSATING', 'COMPENSATED']).toContain(result.body.data!.compensateSaga.status);
    const done = await stack.waitForStatus(saga.state.businessKey, 'COMPENSATED');
    const events = await stack.events(saga.id);
    const manual = events.find((e) => e.type === 'MANUAL_ACTION')!;
    expect(manual.detail).toMatchObject({ action: 'compensate', actor: 'operator-user', reason: 'customer cancelled by phone' });
    const { rows } = await stack.db.query('select actor from saga_event where saga_id = $1 and type = $2', [saga.id, 'MANUAL_ACTION']);
    expect(rows[0].actor).toBe('operator-user');
    expect(events.filter((e) => e.type === 'COMPENSATION_STEP_STARTED').map((e) => e.step)).toEqual(['applyCoupon', 'reserveInventory']);
    // The same request again is a replay, not a second compensation.
    const replay = await postGraphQL(url(), CompensateSagaDocument, { id: saga.id, reason: 'customer cancelled by phone', idempotencyKey }, bearer('operator'));
    expect(replay.body.data!.compensateSaga.version).toBe(done.version);
    const second = await postGraphQL(url(), CompensateSagaDocument, { id: saga.id, reason: 'again please', idempotencyKey: key() }, bearer('operator'));
    expect(second.body.errors?.[0].extensions?.code).toBe('INVALID_STATE');
    const view = stack.participants.ledger.order(saga.state.businessKey)!;
    expect(view.releases).toHaveLength(1);
    expect(view.couponCancellations).toHaveLength(1);
  });

  it('retryStep re-sends the running step; resumeSaga re-arms it; abortSaga stops it without compensating', async () => {
    const saga = await stuckInPayment();
    const retried = await postGraphQL(url(), RetryStepDocument, { sagaId: saga.id, step: 'processPayment', reason: 'payment gateway back', idempotencyKey: key() }, bearer('operator'));
    expect(retried.body.errors).toBeUndefined();
    expect(retried.body.data!.retryStep.steps.find((s) => s.name === 'processPayment')!.attempts).toBe(2);
    const wrongStep = await postGraphQL(url(), RetryStepDocument, { sagaId: saga.id, step: 'confirmInventory', reason: 'not running', idempotencyKey: key() }, bearer('operator'));
    expect(wrongStep.body.errors?.[0].extensions?.code).toBe('INVALID_STATE');
    const noStep = await postGraphQL(url(), RetryStepDocument, { sagaId: saga.id, step: 'teleport', reason: 'no such step', idempotencyKey: key() }, bearer('operator'));
    expect(noStep.body.errors?.[0].extensions?.code).toBe('STEP_NOT_FOUND');
    const resumed = await postGraphQL(url(), ResumeSagaDocument, { id: saga.id, reason: 'nudge', idempotencyKey: key() }, bearer('operator'));
    expect(resumed.body.data!.resumeSaga.steps.find((s) => s.name === 'processPayment')!.attempts).toBe(3);
    const sends = (await stack.events(saga.id)).filter((e) => e.type === 'COMMAND_SENT' && e.step === 'processPayment');
    expect(new Set(sends.map((e) => e.detail.eventId)).size).toBe(1); // re-sends keep the eventId
    const aborted = await postGraphQL(url(), AbortSagaDocument, { id: saga.id, reason: 'fraud suspected', idempotencyKey: key() }, bearer('operator'));
    expect(aborted.body.data!.abortSaga.status).toBe('ABORTED');
    const view = stack.participants.ledger.order(saga.state.businessKey)!;
    expect(view.releases).toHaveLength(0);
  });

  it('shows where a waiting step\'s command is on the transport, and resendCommand re-publishes it with the same eventId', async () => {
    const saga = await stuckInPayment();
    const diag = await eventually(async () => {
      const { body } = await postGraphQL(url(), SagaDiagnosticsDocument, { id: saga.id }, bearer('viewer'));
      const waiting = body.data?.saga?.waitingOn ?? [];
      return waiting.length === 1 && waiting[0].offset !== null ? waiting[0] : undefined;
    }, 10000, 'published payment command');
    expect(diag).toMatchObject({ step: 'processPayment', phase: 'forward', eventType: 'ProcessPayment', topic: 'process-payment-commands', retries: 0 });
    expect(diag.partition).toBeGreaterThanOrEqual(0);
    expect(diag.waitingMs).toBeGreaterThan(0);
    const resent = await postGraphQL(url(), ResendCommandDocument, { sagaId: saga.id, step: 'processPayment', reason: 'participant lost it', idempotencyKey: key() }, bearer('operator'));
    expect(resent.body.errors).toBeUndefined();
    const after = await eventually(async () => {
      const { body } = await postGraphQL(url(), SagaDiagnosticsDocument, { id: saga.id }, bearer('viewer'));
      const w = body.data?.saga?.waitingOn?.[0];
      return w && w.retries === 1 && w.offset !== null && w.offset !== diag.offset ? w : undefined;
    }, 10000, 'the re-sent command');
    expect(after.eventId).toBe(diag.eventId);
    const { rows } = await stack.db.query("select value::jsonb->>'retryCount' as retry from outbox_message where event_id = $1 order by id", [diag.eventId]);
    expect(rows.map((r) => r.retry)).toEqual(['0', '1']);
  });

  it('skipStep takes the operator\'s output, refuses steps that may not be skipped, and validates output', async () => {
    const saga = await stuckInPayment();
    const missing = await postGraphQL(url(), SkipStepDocument, { sagaId: saga.id, step: 'processPayment', reason: 'paid at the till', idempotencyKey: key() }, bearer('operator'));
    expect(missing.body.errors?.[0].extensions?.code).toBe('INVALID_OUTPUT');
    const notSkippable = await postGraphQL(url(), SkipStepDocument, { sagaId: saga.id, step: 'reserveInventory', reason: 'skip it', idempotencyKey: key() }, bearer('operator'));
    expect(notSkippable.body.errors?.[0].extensions?.code).toBe('NOT_SKIPPABLE');
    const skipped = await postGraphQL(url(), SkipStepDocument, {
      sagaId: saga.id, step: 'processPayment', reason: 'paid at the till', output: { paymentIds: ['till-receipt-1'] }, idempotencyKey: key(),
    }, bearer('operator'));
    expect(skipped.body.errors).toBeUndefined();
    expect(skipped.body.data!.skipStep.steps.find((s) => s.name === 'processPayment')!.status).toBe('SKIPPED');
    await stack.waitForStatus(saga.state.businessKey, 'COMPLETED');
  });

  it('streams a saga\'s committed changes in order over graphql-ws', async () => {
    const saga = await stuckInPayment();
    const client = wsClient(url(), wsAuth('viewer'));
    try {
      const updates = takeFromSubscription(client, SagaUpdatedDocument, 2, { id: saga.id });
      const steps = takeFromSubscription(client, SagaStepUpdatedDocument, 1, { filter: { sagaId: saga.id, step: 'processPayment' } });
      await new Promise((r) => setTimeout(r, 300)); // let both subscriptions register
      await postGraphQL(url(), RetryStepDocument, { sagaId: saga.id, step: 'processPayment', reason: 'first nudge', idempotencyKey: key() }, bearer('operator'));
      await postGraphQL(url(), AbortSagaDocument, { id: saga.id, reason: 'give up', idempotencyKey: key() }, bearer('operator'));
      const [first, second] = await updates;
      expect(first.sagaUpdated.events[0].type).toBe('MANUAL_ACTION');
      expect(second.sagaUpdated.saga.status).toBe('ABORTED');
      const sequences = [...first.sagaUpdated.events, ...second.sagaUpdated.events].map((e) => e.sequence);
      expect(sequences).toEqual(sequences.map((_, i) => sequences[0] + i));
      expect(sequences[0]).toBe(saga.event_seq + 1);
      const [stepUpdate] = await steps;
      expect(stepUpdate.sagaStepUpdated.step.name).toBe('processPayment');
    } finally {
      await client.dispose();
    }
  });

  it('a subscriber on one instance sees a change made through another', async () => {
    const saga = await stuckInPayment();
    // A second orchestrator instance on the same database and broker, in the same consumer group.
    // The same saga settings: another configuration is refused while sagas run (definition fingerprints).
    const other: TestService = await startTestService({ ...stack.serviceEnv, KAFKA_GROUP_ID: 'unused-' + randomUUID() }, stack.service.database);
    const client = wsClient(other.url, wsAuth('viewer'));
    try {
      const update = takeFromSubscription(client, SagaUpdatedDocument, 1, { id: saga.id });
      await new Promise((r) => setTimeout(r, 300));
      const aborted = await postGraphQL(url(), AbortSagaDocument, { id: saga.id, reason: 'done elsewhere', idempotencyKey: key() }, bearer('operator'));
      expect(aborted.body.errors).toBeUndefined();
      const [received] = await update;
      expect(received.sagaUpdated.saga.status).toBe('ABORTED');
      expect(received.sagaUpdated.events.map((e) => e.type)).toContain('MANUAL_ACTION');
    } finally {
      await client.dispose();
      await other.stop();
    }
  });

  it('resumes a saga\'s event stream after a reconnect with no gap and no duplicate', async () => {
    const saga = await stuckInPayment();
    const stored = saga.event_seq;
    // First connection: the last two stored events, then one live action.
    let client = wsClient(url(), wsAuth('viewer'));
    const firstThree = takeFromSubscription(client, SagaEventsDocument, 3, { sagaId: saga.id, afterSequence: stored - 2 });
    await new Promise((r) => setTimeout(r, 300));
    await postGraphQL(url(), RetryStepDocument, { sagaId: saga.id, step: 'processPayment', reason: 'while connected', idempotencyKey: key() }, bearer('operator'));
    const seen = (await firstThree).map((e) => e.sagaEvents.sequence);
    await client.dispose();
    expect(seen).toEqual([stored - 1, stored, stored + 1]);
    // Away: two more actions commit events nobody is listening for.
    await postGraphQL(url(), RetryStepDocument, { sagaId: saga.id, step: 'processPayment', reason: 'while away 1', idempotencyKey: key() }, bearer('operator'));
    await postGraphQL(url(), AbortSagaDocument, { id: saga.id, reason: 'while away 2', idempotencyKey: key() }, bearer('operator'));
    const total = (await stack.sagaByOrder(saga.state.businessKey))!.event_seq;
    // Back: resume after the last sequence seen and get exactly the rest.
    client = wsClient(url(), wsAuth('viewer'));
    try {
      const rest = await takeFromSubscription(client, SagaEventsDocument, total - seen[2], { sagaId: saga.id, afterSequence: seen[2] });
      expect(rest.map((e) => e.sagaEvents.sequence)).toEqual(Array.from({ length: total - seen[2] }, (_, i) => seen[2] + 1 + i));
      expect(rest.at(-1)!.sagaEvents.type).toBe('SAGA_FAILED');
    } finally {
      await client.dispose();
    }
  });

  it('a cross-saga feed with filters resumes from its cursor with nothing lost or repeated', async () => {
    const [a, b] = [await stuckInPayment(), await stuckInPayment()];
    const filter = { eventTypes: ['MANUAL_ACTION'], sagaStatus: ['RUNNING', 'ABORTED'] as any };
    const act = (id: string, reason: string) => postGraphQL(url(), RetryStepDocument, { sagaId: id, step: 'processPayment', reason, idempotencyKey: key() }, bearer('operator'));
    await act(a.id, 'feed 1');
    await act(b.id, 'feed 2');
    // From the beginning: every manual action so far, across sagas, in commit order.
    let client = wsClient(url(), wsAuth('viewer'));
    const all = await takeFromSubscription(client, SagaEventFeedDocument, 1, { filter: { ...filter, sagaId: a.id } });
    expect(all[0].sagaEventFeed.event).toMatchObject({ sagaId: a.id, type: 'MANUAL_ACTION', actor: 'operator-user' });
    const firstTwo = await takeFromSubscription(client, SagaEventFeedDocument, 2, { filter });
    await client.dispose();
    const reasons = firstTwo.map((e) => e.sagaEventFeed.event.detail.reason);
    // Both of ours are in the feed (others from earlier tests may come first), so resume from the end.
    const everything = await (async () => {
      const c = wsClient(url(), wsAuth('viewer'));
      try {
        const out: any[] = [];
        let after: string | undefined;
        for (;;) {
          const next = await Promise.race([
            takeFromSubscription(c, SagaEventFeedDocument, 1, { filter, after }),
            new Promise<null>((r) => setTimeout(() => r(null), 1500)),
          ]);
          if (!next) return out;
          out.push(next[0].sagaEventFeed);
          after = next[0].sagaEventFeed.cursor;
        }
      } finally {
        await c.dispose();
      }
    })();
    expect(reasons.length).toBe(2);
    const mine = everything.filter((e) => ['feed 1', 'feed 2'].includes(e.event.detail.reason));
    expect(mine.map((e) => e.event.detail.reason)).toEqual(['feed 1', 'feed 2']);
    const lastCursor = everything.at(-1).cursor;
    // Away: two more actions. Back: resume after the last cursor and get exactly those two.
    await act(b.id, 'feed 3');
    await postGraphQL(url(), AbortSagaDocument, { id: a.id, reason: 'feed 4', idempotencyKey: key() }, bearer('operator'));
    client = wsClient(url(), wsAuth('viewer'));
    try {
      const rest = await takeFromSubscription(client, SagaEventFeedDocument, 2, { filter, after: lastCursor });
      expect(rest.map((e) => [e.sagaEventFeed.event.sagaId, e.sagaEventFeed.event.detail.reason])).toEqual([[b.id, 'feed 3'], [a.id, 'feed 4']]);
      const bad = wsClient(url(), wsAuth('viewer'));
      await expect(takeFromSubscription(bad, SagaEventFeedDocument, 1, { after: 'not-a-cursor' })).rejects.toThrow(/BAD_USER_INPUT|cursor/);
      await bad.dispose();
    } finally {
      await client.dispose();
    }
  });

  it('streams saga stats now and again after changes', async () => {
    const client = wsClient(url(), wsAuth('viewer'));
    try {
      const stats = takeFromSubscription(client, SagaStatsLiveDocument, 2, { window: 3600, intervalMs: 250 });
      await new Promise((r) => setTimeout(r, 300));
      const order = await stack.participants.createOrder({});
      await stack.waitForStatus(order.orderId, 'COMPLETED');
      const [before, after] = await stats;
      expect(after.sagaStats.total).toBeGreaterThan(before.sagaStats.total);
      expect(after.sagaStats.byStatus.reduce((n, s) => n + s.count, 0)).toBe(after.sagaStats.total);
    } finally {
      await client.dispose();
    }
  });

  it('subscriptions need credentials: the connection is closed at connection_init', async () => {
    const client = wsClient(url());
    try {
      await expect(takeFromSubscription(client, SagaUpdatedDocument, 1, { id: randomUUID() })).rejects.toThrow('connection closed: 4403 Forbidden');
    } finally {
      await client.dispose();
    }
  });

  it('a manual compensation racing with the reply it waited for has exactly one outcome', async () => {
    // Payments answer 1 s late; compensations are fired around that moment, at different offsets.
    const offsets = [700, 850, 950, 1000, 1050, 1150, 1300];
    const orders = await Promise.all(offsets.map(() => stack.participants.createOrder({ scenario: 'late:ProcessPayment', couponCode: 'SAVE10' })));
    await Promise.all(orders.map(async (order, i) => {
      await eventually(async () => ((await stack.sagaByOrder(order.orderId))?.current_step === 'processPayment' ? true : undefined), 20000, 'payment step');
      await new Promise((r) => setTimeout(r, offsets[i]));
      const saga = (await stack.sagaByOrder(order.orderId))!;
      await postGraphQL(url(), CompensateSagaDocument, { id: saga.id, reason: 'race test', idempotencyKey: key() }, bearer('operator'));
    }));
    for (const order of orders) {
      // Either the reply won (the payment is refunded by the compensation) or the compensation
      // won (the late payment is refunded when it arrives). Both end COMPENSATED, charged once, refunded once.
      const saga = await stack.sagaByOrder(order.orderId);
      if (saga!.status === 'COMPLETED') continue; // the whole saga finished before the operator acted
      await stack.waitForStatus(order.orderId, 'COMPENSATED', 20000);
      const view = await eventually(() => {
        const v = stack.participants.ledger.order(order.orderId)!;
        return v.refunds.length === v.charges.length ? v : undefined;
      }, 20000, 'refunds');
      expect(view.charges.length).toBeLessThanOrEqual(1);
      expect(view.refunds).toHaveLength(view.charges.length);
      expect(view.releases).toHaveLength(1);
      expect(view.couponCancellations).toHaveLength(1);
    }
    expect(stack.participants.ledger.problems()).toEqual([]);
  });
});
