import { randomUUID } from 'node:crypto';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, type TracingHandle } from '../../../src/tracing/setup';
import { bearer } from '../../helpers/auth';
import { postGraphQL } from '../../helpers/graphql';
import { SagaStack } from '../../helpers/saga-stack';
import { eventually } from '../../helpers/services';

/**
 * Tracing on, spans in memory, orchestrator and simulated participants in this process on the
 * real broker: one saga is one trace, whose spans form the tree its messages took.
 */
describe('one trace per saga', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: TracingHandle;
  let stack: SagaStack;
  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'saga-test', exporter, immediate: true });
    stack = await SagaStack.start();
  });
  afterAll(async () => {
    await stack?.stop();
    await tracing?.shutdown();
  });

  const traceOf = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;
  /** Each span as the names from the trace's first span down to it. */
  function paths(spans: ReadableSpan[]): string[] {
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const pathOf = (s: ReadableSpan): string => {
      const parent = byId.get(parentId(s) ?? '');
      return parent ? `${pathOf(parent)} > ${s.name}` : s.name;
    };
    return spans.map(pathOf);
  }

  it('traces a saga with a compensation as one tree across orchestrator and participants', async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const callerSpan = '1111111111111111';
    const order = await stack.participants.createOrder({ scenario: 'fail-payment', couponCode: 'SAVE10' }, { traceparent: `00-${traceId}-${callerSpan}-01` });
    const saga = await stack.waitForStatus(order.orderId, 'PAYMENT_FAILED');
    // The order service's span for OrderCancelled is the last of the saga.
    await eventually(() => traceOf(traceId).some((s) => s.name === 'order OrderCancelled') || undefined, 20000, 'the span of OrderCancelled');
    await eventually(() => traceOf(traceId).filter((s) => s.name.startsWith('send ')).length >= 6 || undefined, 10000, 'the publish spans');

    const spans = traceOf(traceId);
    const ids = new Set(spans.map((s) => s.spanContext().spanId));
    // One tree: a single span hangs off the caller's, every other one off a span of this trace.
    expect(spans.filter((s) => parentId(s) === callerSpan).map((s) => s.name)).toEqual(['process OrderCreated']);
    expect(spans.filter((s) => parentId(s) !== callerSpan && !ids.has(parentId(s)!)).map((s) => s.name)).toEqual([]);

    const forward = 'process OrderCreated > saga start > step reserveInventory > product ReserveInventory > process ProductReserved'
      + ' > saga reply ProductReserved > step applyCoupon > promotion ApplyCoupon > process CouponApplied > saga reply CouponApplied'
      + ' > step processPayment > payment ProcessPayment > process PaymentFailed > saga reply PaymentFailed';
    const all = paths(spans);
    expect(all).toContain(forward);
    expect(all).toContain(`${forward} > compensate applyCoupon > promotion CancelCoupon`);
    expect(all.some((p) => p.startsWith(forward) && p.endsWith('compensate reserveInventory > product ReleaseInventory'))).toBe(true);
    expect(all.some((p) => p.startsWith(forward) && p.endsWith('> order OrderCancelled'))).toBe(true);
    // Each publish is a child of the step that sent it.
    expect(all).toContain(`${forward} > compensate applyCoupon > send cancel-coupon-commands`);

    const step = spans.find((s) => s.name === 'step processPayment')!;
    expect(step.attributes).toMatchObject({ 'saga.id': saga.id, 'saga.type': 'order', 'saga.step': 'processPayment', 'saga.step.phase': 'forward' });
    const consumed = spans.find((s) => s.name === 'process PaymentFailed')!;
    expect(consumed.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.operation.type': 'process', 'saga.id': saga.id });
    expect(consumed.attributes['messaging.destination.name']).toBe('payment-failed-events'); // the topic as named in the contract, without KAFKA_TOPIC_PREFIX
    expect(typeof consumed.attributes['messaging.kafka.offset']).toBe('number');
    expect(consumed.attributes['messaging.destination.partition.id']).toMatch(/^\d+$/);
    expect(consumed.attributes['messaging.message.id']).toMatch(/^[0-9a-f-]{36}$/);
    // Batches are spans of their own, linked to the traces of their messages.
    const batches = exporter.getFinishedSpans().filter((s) => s.name.startsWith('process ') && s.attributes['messaging.batch.message_count'] !== undefined);
    expect(batches.some((b) => b.links.some((l) => l.context.traceId === traceId))).toBe(true);

    // The saga's trace id is in its state and in GraphQL.
    expect(saga.state.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const { body } = await postGraphQL(stack.service.url, `query($id: ID!) { saga(id: $id) { traceId } }`, { id: saga.id }, bearer('viewer'));
    expect(body.data?.saga?.traceId).toBe(traceId);
  });

  it('starts a saga from GraphQL in the request\'s trace, and traces a manual action with its actor', async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const callerSpan = '2222222222222222';
    const started = await postGraphQL(stack.service.url, `mutation StartIt($input: StartSagaInput!) { startSaga(input: $input) { id traceId } }`, {
      input: {
        customerId: 'sim:silent:ProcessPayment', currency: 'EUR', totalAmount: '20.00', paymentMethod: 'CREDIT_CARD', reason: 'tracing test',
        items: [{ productId: randomUUID(), sku: 'SKU-1', quantity: 2, unitPrice: '10.00' }], idempotencyKey: randomUUID(),
      },
    }, { ...bearer('operator'), traceparent: `00-${traceId}-${callerSpan}-01` });
    expect(started.body.errors).toBeUndefined();
    const sagaId = started.body.data.startSaga.id;
    expect(started.body.data.startSaga.traceId).toBe(traceId);
    await eventually(() => traceOf(traceId).some((s) => s.name === 'product ReserveInventory') || undefined, 20000, 'the participant span');
    const all = paths(traceOf(traceId));
    expect(all).toContain('mutation StartIt > saga start > step reserveInventory > product ReserveInventory');
    const operation = traceOf(traceId).find((s) => s.name === 'mutation StartIt')!;
    expect(parentId(operation)).toBe(callerSpan);
    expect(operation.attributes).toMatchObject({ 'graphql.operation.type': 'mutation', 'graphql.operation.name': 'StartIt' });
    expect(traceOf(traceId).find((s) => s.name === 'saga start')!.attributes).toMatchObject({ 'saga.actor': 'operator-user', 'enduser.id': 'operator-user' });

    const aborted = await postGraphQL(stack.service.url, `mutation($id: ID!, $key: String!) { abortSaga(id: $id, reason: "test", idempotencyKey: $key) { id } }`,
      { id: sagaId, key: randomUUID() }, bearer('operator'));
    expect(aborted.body.errors).toBeUndefined();
    const manual = await eventually(() => traceOf(traceId).find((s) => s.name === 'saga manual abort'), 10000, 'the manual action span');
    expect(manual.attributes).toMatchObject({ 'saga.id': sagaId, 'saga.actor': 'operator-user', 'enduser.id': 'operator-user' });
    // In the saga's trace, under the span it started in; linked to the request's own trace.
    expect(parentId(manual)).toBe(traceOf(traceId).find((s) => s.name === 'saga start')!.spanContext().spanId);
    const request = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === manual.links[0]?.context.spanId);
    expect(request?.name).toBe('mutation');
  });

  it('starts a new trace for a saga that came without one, and puts its timers in it', async () => {
    const order = await stack.participants.createOrder({ scenario: 'silent:ProcessPayment' });
    const saga = await eventually(async () => (await stack.sagaByOrder(order.orderId))?.state.traceparent ? stack.sagaByOrder(order.orderId) : undefined, 10000, 'the saga');
    const traceId = saga!.state.traceparent.split('-')[1];
    // The step times out (1.5 s here) and the timer re-sends the payment: attempt 2, in the saga's trace.
    const resend = await eventually(() => traceOf(traceId).find((s) => s.name === 'step processPayment' && s.attributes['saga.step.attempt'] === 2), 20000, 'the re-send');
    const timer = traceOf(traceId).find((s) => s.spanContext().spanId === parentId(resend))!;
    expect(timer.name).toBe('saga timer');
    const start = traceOf(traceId).find((s) => s.name === 'saga start')!;
    expect(parentId(timer)).toBe(start.spanContext().spanId);
    expect(saga!.state.traceparent).toBe(`00-${traceId}-${start.spanContext().spanId}-01`);
    // The consumed OrderCreated had no parent: its span is the trace's root.
    expect(parentId(traceOf(traceId).find((s) => s.name === 'process OrderCreated')!)).toBeUndefined();
  });
});
