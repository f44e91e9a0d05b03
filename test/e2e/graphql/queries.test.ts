import { randomUUID } from 'node:crypto';
import {
  CompensationPlanDocument,
  SagaByOrderDocument,
  SagaDefinitionsDocument,
  SagaDetailDocument,
  SagaEventsAfterDocument,
  SagaPageWithDetailsDocument,
  SagasDocument,
  SagaStatsDocument,
  type SagaFilter,
  type SagasQuery,
} from '../../generated/graphql';
import { SagaReadRepository } from '../../../src/persistence/saga-read-repository';
import { bearer } from '../../helpers/auth';
import { postGraphQL } from '../../helpers/graphql';
import { SagaStack } from '../../helpers/saga-stack';
import { eventually } from '../../helpers/services';

const STEP_TIMEOUT_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** percentile_cont: linear interpolation between the closest ranks. */
function percentileCont(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

describe('GraphQL read queries over HTTP, on real sagas', () => {
  let stack: SagaStack;
  const url = () => stack.service.url;
  const viewer = bearer('viewer');

  /** sagaId by orderId, per group. */
  const happy: string[] = [];
  const vip: string[] = [];
  const failed: string[] = [];
  const late: string[] = [];
  let stuckId: string;
  let stuckOrderId: string;
  let happyOrderId: string;
  let boundary: Date;

  async function place(input: Parameters<SagaStack['participants']['createOrder']>[0], status: string): Promise<{ sagaId: string; orderId: string }> {
    const order = await stack.participants.createOrder(input);
    const saga = await stack.waitForStatus(order.orderId, status, 30000);
    return { sagaId: saga.id, orderId: order.orderId };
  }

  async function listIds(filter: SagaFilter, first = 200): Promise<{ ids: string[]; totalCount: number }> {
    const { body } = await postGraphQL(url(), SagasDocument, { filter, first }, viewer);
    expect(body.errors).toBeUndefined();
    return { ids: body.data!.sagas.edges.map((e) => e.node.id), totalCount: body.data!.sagas.totalCount };
  }

  beforeAll(async () => {
    stack = await SagaStack.start({ SAGA_STEP_TIMEOUT_MS: String(STEP_TIMEOUT_MS) });
    // Placed all at once, then awaited one by one (the stack's pg client takes one query at a time).
    const orders = [
      ...Array.from({ length: 12 }, () => ({ group: happy, status: 'COMPLETED', order: stack.participants.createOrder({}) })),
      ...Array.from({ length: 2 }, () => ({ group: vip, status: 'COMPLETED', order: stack.participants.createOrder({ customerId: 'vip-customer-1', couponCode: 'SAVE10' }) })),
      ...Array.from({ length: 3 }, () => ({ group: failed, status: 'PAYMENT_FAILED', order: stack.participants.createOrder({ scenario: 'fail-payment', couponCode: 'SAVE10' }) })),
    ];
    const silent = stack.participants.createOrder({ scenario: 'silent:ProcessPayment', couponCode: 'SAVE10' });
    for (const { group, status, order } of orders) {
      const { orderId } = await order;
      group.push((await stack.waitForStatus(orderId, status, 30000)).id);
      if (group === happy) happyOrderId = orderId;
    }
    stuckOrderId = (await silent).orderId;
    stuckId = (await eventually(async () => {
      const row = await stack.sagaByOrder(stuckOrderId);
      return row?.current_step === 'processPayment' ? row : undefined;
    }, 30000, 'the silent saga to wait in processPayment')).id;
    // Every saga above started before the boundary, every one below after it.
    await sleep(20);
    boundary = new Date();
    await sleep(20);
    for (let i = 0; i < 3; i++) late.push((await place({}, 'COMPLETED')).sagaId);
  }, 120000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await stack?.stop();
  });

  const originalCount = () => happy.length + vip.length + failed.length + 1 + late.length;

  it('returns a saga by id with its steps and a gapless event log', async () => {
    const { body } = await postGraphQL(url(), SagaDetailDocument, { id: failed[0] }, viewer);
    expect(body.errors).toBeUndefined();
    const saga = body.data!.saga!;
    expect(saga).toMatchObject({ id: failed[0], type: 'order', status: 'PAYMENT_FAILED', failureStatus: 'PAYMENT_FAILED', currency: 'EUR' });
    expect(saga.failureReason).toMatch(/payment/);
    expect(saga.steps.map((s) => [s.name, s.position, s.status])).toEqual([
      ['reserveInventory', 0, 'COMPENSATED'],
      ['applyCoupon', 1, 'COMPENSATED'],
      ['processPayment', 2, 'FAILED'],
      ['confirmInventory', 3, 'PENDING'],
    ]);
    expect(saga.durationMs).toBeGreaterThan(0);
    const sequences = saga.events.map((e) => e.sequence);
    expect(sequences).toEqual(Array.from({ length: saga.eventSequence }, (_, i) => i + 1));
    const stored = await stack.events(failed[0]);
    expect(saga.events.map((e) => [e.sequence, e.type, e.step])).toEqual(stored.map((e) => [e.seq, e.type, e.step]));
    expect(saga.events.map((e) => e.type)).toContain('SAGA_FAILED');

    const after = await postGraphQL(url(), SagaEventsAfterDocument, { id: failed[0], afterSequence: 3 }, viewer);
    expect(after.body.data!.saga!.events.map((e) => e.sequence)).toEqual(sequences.slice(3));
  });

  it('finds a saga by its order and answers null for unknown ids', async () => {
    const { body } = await postGraphQL(url(), SagaByOrderDocument, { orderId: stuckOrderId }, viewer);
    expect(body.data!.sagaByOrder).toMatchObject({ id: stuckId, orderId: stuckOrderId, status: 'RUNNING', currentStep: 'processPayment' });
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const unknown = await postGraphQL(url(), SagaDetailDocument, { id }, viewer);
      expect(unknown.body.errors).toBeUndefined();
      expect(unknown.body.data).toEqual({ saga: null });
      const byOrder = await postGraphQL(url(), SagaByOrderDocument, { orderId: id }, viewer);
      expect(byOrder.body.data).toEqual({ sagaByOrder: null });
    }
  });

  it('lists sagas newest first by start time, then id', async () => {
    const { ids, totalCount } = await listIds({});
    const { rows } = await stack.db.query<{ id: string }>('select id from saga_instance order by created_at desc, id desc');
    expect(ids).toEqual(rows.map((r) => r.id));
    expect(totalCount).toBe(rows.length);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('filters by status, customer, order and start time', async () => {
    const sorted = (xs: string[]) => [...xs].sort();
    const paymentFailed = await listIds({ status: ['PAYMENT_FAILED'] });
    expect(sorted(paymentFailed.ids)).toEqual(sorted(failed));
    expect(paymentFailed.totalCount).toBe(3);
    const two = await listIds({ status: ['PAYMENT_FAILED', 'RUNNING'] });
    expect(sorted(two.ids)).toEqual(sorted([...failed, stuckId]));
    expect((await listIds({ status: [] })).ids).toEqual([]);

    const customer = await listIds({ customerId: 'vip-customer-1' });
    expect(sorted(customer.ids)).toEqual(sorted(vip));
    expect(customer.totalCount).toBe(2);
    const combined = await listIds({ customerId: 'vip-customer-1', status: ['PAYMENT_FAILED'] });
    expect(combined).toEqual({ ids: [], totalCount: 0 });

    const order = await listIds({ orderId: stuckOrderId });
    expect(order).toEqual({ ids: [stuckId], totalCount: 1 });
    expect((await listIds({ orderId: randomUUID() })).ids).toEqual([]);
    expect((await listIds({ type: 'order', orderId: happyOrderId })).ids).toHaveLength(1);
    expect((await listIds({ type: 'no-such-saga' })).totalCount).toBe(0);

    const after = await listIds({ startedAfter: boundary.toISOString() });
    expect(sorted(after.ids)).toEqual(sorted(late));
    const before = await listIds({ startedBefore: boundary.toISOString() });
    expect(sorted(before.ids)).toEqual(sorted([...happy, ...vip, ...failed, stuckId]));
    const between = await listIds({ startedAfter: new Date(boundary.getTime() - 3600_000).toISOString(), startedBefore: boundary.toISOString(), status: ['RUNNING'] });
    expect(between.ids).toEqual([stuckId]);
  });

  it('finds stuck sagas: not final and no progress for longer than stuckForSeconds', async () => {
    const row = await stack.sagaByOrder(stuckOrderId);
    const lastChange = row!.state.updatedAtMs as number;
    await sleep(Math.max(0, lastChange + 2500 - Date.now()));
    const stuck = await listIds({ stuckForSeconds: 2 });
    expect(stuck).toEqual({ ids: [stuckId], totalCount: 1 });
    expect((await listIds({ stuckForSeconds: 3600 })).ids).toEqual([]);
    expect((await listIds({ stuckForSeconds: 2, status: ['RUNNING'] })).ids).toEqual([stuckId]);
    expect((await listIds({ stuckForSeconds: 2, status: ['COMPLETED'] })).ids).toEqual([]);
    const negative = await postGraphQL(url(), SagasDocument, { filter: { stuckForSeconds: -1 } }, viewer);
    expect(negative.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('loads the steps and event logs of a page of 20 sagas with a fixed number of SQL statements', async () => {
    const eventsOf = jest.spyOn(SagaReadRepository.prototype, 'eventsOf');
    const query = jest.spyOn(SagaReadRepository.prototype as unknown as { query: (sql: string) => Promise<unknown[]> }, 'query');
    try {
      const { body } = await postGraphQL(url(), SagaPageWithDetailsDocument, { first: 20 }, viewer);
      expect(body.errors).toBeUndefined();
      const nodes = body.data!.sagas.edges.map((e) => e.node);
      expect(nodes).toHaveLength(20);
      for (const node of nodes) {
        expect(node.steps).toHaveLength(4);
        expect(node.events.length).toBeGreaterThan(2);
        expect(node.events.map((e) => e.sequence)).toEqual(Array.from({ length: node.events.length }, (_, i) => i + 1));
      }
      // One query for the page, one for all 20 event logs; totalCount was not asked for.
      expect(eventsOf).toHaveBeenCalledTimes(1);
      expect([...eventsOf.mock.calls[0][0]].sort()).toEqual(nodes.map((n) => n.id).sort());
      expect(query).toHaveBeenCalledTimes(2);
    } finally {
      eventsOf.mockRestore();
      query.mockRestore();
    }
  });

  it('reports stats consistent with the sagas it ran', async () => {
    const { body } = await postGraphQL(url(), SagaStatsDocument, {}, viewer);
    expect(body.errors).toBeUndefined();
    const stats = body.data!.sagaStats;
    const completed = happy.length + vip.length + late.length;
    expect(stats.windowSeconds).toBe(3600);
    expect(stats.total).toBe(originalCount());
    expect(stats.completed).toBe(completed);
    expect(stats.failed).toBe(3);
    expect(stats.inFlight).toBe(1);
    expect(stats.endedInWindow).toBe(completed + 3);
    const byStatus = Object.fromEntries(stats.byStatus.map((s) => [s.status, s.count]));
    expect(byStatus).toMatchObject({ COMPLETED: completed, PAYMENT_FAILED: 3, RUNNING: 1, COMPENSATING: 0, TIMED_OUT: 0 });
    expect(stats.byStatus).toHaveLength(11);

    const { rows } = await stack.db.query<{ ms: string }>('select (extract(epoch from ended_at - created_at) * 1000)::float8 as ms from saga_instance where ended_at is not null');
    const durations = rows.map((r) => Number(r.ms));
    expect(durations).toHaveLength(completed + 3);
    expect(stats.p50DurationMs).toBeCloseTo(percentileCont(durations, 0.5), 3);
    expect(stats.p95DurationMs).toBeCloseTo(percentileCont(durations, 0.95), 3);
    expect(stats.p50DurationMs!).toBeLessThanOrEqual(stats.p95DurationMs!);
    expect(stats.p50DurationMs!).toBeGreaterThan(0);

    // A one-second window now holds nothing, but in-flight counts all time.
    await sleep(1100);
    const recent = (await postGraphQL(url(), SagaStatsDocument, { window: 1 }, viewer)).body.data!.sagaStats;
    expect(recent).toMatchObject({ windowSeconds: 1, total: 0, completed: 0, failed: 0, inFlight: 1, endedInWindow: 0, p50DurationMs: null, p95DurationMs: null });

    for (const window of [0, -5, 31 * 24 * 3600 + 1]) {
      const bad = await postGraphQL(url(), SagaStatsDocument, { window }, viewer);
      expect(bad.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(bad.body.errors?.[0].message).toMatch(/window/);
    }
  });

  it('describes the registered saga definitions', async () => {
    const { body } = await postGraphQL(url(), SagaDefinitionsDocument, {}, viewer);
    expect(body.errors).toBeUndefined();
    const defs = body.data!.sagaDefinitions;
    expect(defs.map((d) => [d.name, d.version, d.latest])).toEqual([['order', 1, true]]);
    const [order] = defs;
    expect(order.failureStatuses).toEqual(['INVENTORY_ERROR', 'COUPON_ERROR', 'PAYMENT_FAILED', 'APPROVAL_FAILED', 'TIMED_OUT', 'COMPENSATED']);
    expect(order.steps.map((s) => [s.name, s.position, s.participant, s.optional, s.skippable, s.hasCompensation, s.failureStatus])).toEqual([
      ['reserveInventory', 0, 'Product', false, false, true, 'INVENTORY_ERROR'],
      ['applyCoupon', 1, 'Promotion', true, true, true, 'COUPON_ERROR'],
      ['processPayment', 2, 'Payment', true, true, true, 'PAYMENT_FAILED'], // optional: nothing to charge after a full discount
      ['confirmInventory', 3, 'Product', false, true, false, 'APPROVAL_FAILED'],
    ]);
    for (const step of order.steps) {
      expect(step.description.length).toBeGreaterThan(5);
      // From the stack's configuration (SAGA_STEP_TIMEOUT_MS and FAST_SAGA_ENV).
      expect(step.timeoutMs).toBe(STEP_TIMEOUT_MS);
      expect(step.retry).toEqual({ maxAttempts: 2, initialBackoffMs: 100, maxBackoffMs: 200, multiplier: 2, jitter: 0.2 });
    }
    expect(order.steps[0].outputSchema).toBeNull();
    expect(order.steps[2].outputSchema).toMatchObject({ type: 'object', required: ['paymentIds'] });
  });

  it('plans the compensation of a running saga without changing it', async () => {
    const before = (await postGraphQL(url(), SagaDetailDocument, { id: stuckId }, viewer)).body.data!.saga!;
    const outbox = async () => Number((await stack.db.query('select count(*) as n from outbox_message where saga_id = $1', [stuckId])).rows[0].n);
    const outboxBefore = await outbox();
    const row = await stack.sagaByOrder(stuckOrderId);

    const { body } = await postGraphQL(url(), CompensationPlanDocument, { sagaId: stuckId }, viewer);
    expect(body.errors).toBeUndefined();
    const plan = body.data!.compensationPlan!;
    expect(plan).toMatchObject({ sagaId: stuckId, sagaStatus: 'RUNNING', sagaVersion: before.version });
    // Latest step first; the payment in flight has taken no effect, so it is not undone.
    expect(plan.compensations.map((c) => [c.step, c.participant, c.stepStatus, c.inProgress])).toEqual([
      ['applyCoupon', 'Promotion', 'SUCCEEDED', false],
      ['reserveInventory', 'Product', 'SUCCEEDED', false],
    ]);
    expect(plan.compensations[0].commands).toEqual([
      { topic: 'cancel-coupon-commands', eventType: 'CancelCoupon', payload: { couponCode: 'SAVE10', reason: 'COMPENSATED: compensation' } },
    ]);
    expect(plan.compensations[1].commands).toEqual([
      { topic: 'release-inventory-commands', eventType: 'ReleaseInventory', payload: { reservationId: row!.state.data.reservationId, reason: 'COMPENSATED: compensation' } },
    ]);
    expect(row!.state.data.reservationId).toEqual(expect.any(String));

    // A dry run: nothing written, nothing sent.
    await sleep(300);
    const after = (await postGraphQL(url(), SagaDetailDocument, { id: stuckId }, viewer)).body.data!.saga!;
    expect(after).toMatchObject({ status: 'RUNNING', currentStep: 'processPayment', version: before.version, eventSequence: before.eventSequence, updatedAt: before.updatedAt });
    expect((await stack.sagaByOrder(stuckOrderId))!.version).toBe(row!.version);
    expect(await outbox()).toBe(outboxBefore);

    const compensated = await postGraphQL(url(), CompensationPlanDocument, { sagaId: failed[0] }, viewer);
    expect(compensated.body.data!.compensationPlan).toMatchObject({ sagaStatus: 'PAYMENT_FAILED', compensations: [] });
    const unknown = await postGraphQL(url(), CompensationPlanDocument, { sagaId: randomUUID() }, viewer);
    expect(unknown.body.errors).toBeUndefined();
    expect(unknown.body.data).toEqual({ compensationPlan: null });
  });

  it('rejects a page size outside 1..200 and a malformed cursor with BAD_USER_INPUT', async () => {
    for (const first of [0, -1, 201]) {
      const { body } = await postGraphQL(url(), SagasDocument, { first }, viewer);
      expect(body.data).toBeNull();
      expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0].message).toMatch(/first must be between 1 and 200/);
    }
    const max = await postGraphQL(url(), SagasDocument, { first: 200 }, viewer);
    expect(max.body.errors).toBeUndefined();
    const forged = [
      'not a cursor!',
      Buffer.from('yesterday|someone').toString('base64url'),
      Buffer.from(`2026-01-01T00:00:00.000000Z|not-a-uuid-${'x'.repeat(25)}`).toString('base64url'),
      '',
    ];
    for (const after of forged) {
      const { body } = await postGraphQL(url(), SagasDocument, { first: 5, after }, viewer);
      expect(body.data).toBeNull();
      expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0].message).toMatch(/after/);
    }
  });

  it('bounds the cost of a page by its size', async () => {
    const heavy = (first: number) => `{ sagas(first: ${first}) { edges { node { id type orderId customerId status currentStep startedAt updatedAt
      steps { name position status attempts compensationAttempts lastError startedAt endedAt }
      events { sequence type step actor at detail } } } } }`;
    const ok = await postGraphQL(url(), heavy(20), {}, viewer);
    expect(ok.body.errors).toBeUndefined();
    const tooMuch = await postGraphQL(url(), heavy(200), {}, viewer);
    expect(tooMuch.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });

  it('pages through every saga exactly once while new sagas are started between pages', async () => {
    const { rows } = await stack.db.query<{ id: string }>('select id from saga_instance');
    const original = new Set(rows.map((r) => r.id));
    const seen: string[] = [];
    const added: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const response: { body: { data?: SagasQuery | null; errors?: unknown } } = await postGraphQL(url(), SagasDocument, { first: 4, after }, viewer);
      expect(response.body.errors).toBeUndefined();
      const page: SagasQuery['sagas'] = response.body.data!.sagas;
      pages += 1;
      // New sagas are counted at once but appear only before the first page.
      expect(page.totalCount).toBe(original.size + added.length);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      // A new saga, stored before the next page is read.
      added.push((await place({}, 'COMPLETED')).sagaId);
    }
    expect(pages).toBe(Math.ceil(original.size / 4));
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(original);
    expect(added.some((id) => seen.includes(id))).toBe(false);

    // The new sagas lead a fresh first page.
    const fresh = await listIds({}, added.length);
    expect(fresh.ids.sort()).toEqual([...added].sort());
  }, 120000);

  it('requires authentication for every read query', async () => {
    const operations = [
      [SagasDocument, {}],
      [SagaStatsDocument, {}],
      [SagaDefinitionsDocument, {}],
      [CompensationPlanDocument, { sagaId: stuckId }],
      [SagaDetailDocument, { id: stuckId }],
      [SagaByOrderDocument, { orderId: stuckOrderId }],
    ] as const;
    for (const [document, variables] of operations) {
      for (const headers of [{}, { authorization: 'Bearer not-a-configured-key-at-all' }] as Record<string, string>[]) {
        const { body } = await postGraphQL(url(), document as typeof SagasDocument, variables as never, headers);
        expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
        // Non-null fields null the whole data, nullable ones are null themselves.
        expect(Object.values(body.data ?? {}).every((v) => v === null)).toBe(true);
      }
    }
  });
});
