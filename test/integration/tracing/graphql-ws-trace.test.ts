import { randomUUID } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Client } from 'graphql-ws';
import { startTracing, type TracingHandle } from '../../../src/tracing/setup';
import { wsAuth } from '../../helpers/auth';
import { wsClient } from '../../helpers/graphql';
import { SagaStack } from '../../helpers/saga-stack';
import { eventually } from '../../helpers/services';

/**
 * Tracing on, spans in memory: every operation a graphql-ws socket runs is a span, like an HTTP
 * one (tracing-plugin.ts), and continues the caller's trace from its subscribe extensions or
 * its connection_init payload.
 */
describe('a span per graphql-ws operation', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: TracingHandle;
  let stack: SagaStack;
  const clients: Client[] = [];
  beforeAll(async () => {
    tracing = startTracing({ serviceName: 'saga-test', exporter, immediate: true });
    stack = await SagaStack.start();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await stack?.stop();
    await tracing?.shutdown();
  });

  const client = (params: Record<string, unknown>) => {
    const c = wsClient(stack.service.url, params);
    clients.push(c);
    return c;
  };
  const newTrace = () => randomUUID().replace(/-/g, '');
  const finished = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const spanNamed = (traceId: string, name: string) => eventually(() => finished(traceId).find((s) => s.name === name), 10000, `the span '${name}'`);
  const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;

  /** Subscribes; resolves on the first result with a function that completes the operation from the client's side. */
  function firstResult(c: Client, payload: { query: string; extensions?: Record<string, unknown> }) {
    return new Promise<{ value: { data?: unknown; errors?: unknown }; unsubscribe: () => void }>((resolve, reject) => {
      const unsubscribe = c.subscribe(payload, {
        next: (value) => resolve({ value, unsubscribe }),
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => undefined,
      });
    });
  }

  it('a subscription is a SERVER span from subscribe to complete, under the traceparent of its extensions', async () => {
    const traceId = newTrace();
    const c = client(wsAuth('viewer'));
    const { value, unsubscribe } = await firstResult(c, {
      query: 'subscription WatchStats { sagaStats(intervalMs: 250) { windowSeconds } }',
      extensions: { traceparent: `00-${traceId}-3333333333333333-01` },
    });
    expect(value.errors).toBeUndefined();
    // Still running: nothing ended yet.
    expect(finished(traceId)).toEqual([]);
    unsubscribe();
    const span = await spanNamed(traceId, 'subscription WatchStats');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(parentId(span)).toBe('3333333333333333');
    expect(span.attributes).toMatchObject({ 'graphql.operation.type': 'subscription', 'graphql.operation.name': 'WatchStats', 'enduser.id': 'viewer-user' });
    expect(span.status.code).not.toBe(2);
  });

  it('a mutation over the socket continues the connection_init traceparent, and the saga it starts joins it', async () => {
    const traceId = newTrace();
    const c = client({ ...wsAuth('operator'), traceparent: `00-${traceId}-4444444444444444-01` });
    const { value } = await firstResult(c, {
      query: `mutation StartOverSocket { startSaga(input: { customerId: "sim:silent:ReserveInventory", currency: "EUR", totalAmount: "20.00",
        paymentMethod: "CREDIT_CARD", reason: "ws tracing test", idempotencyKey: "${randomUUID()}",
        items: [{ productId: "${randomUUID()}", sku: "SKU-1", quantity: 2, unitPrice: "10.00" }] }) { id traceId } }`,
    });
    expect(value.errors).toBeUndefined();
    expect((value.data as { startSaga: { traceId: string } }).startSaga.traceId).toBe(traceId);
    const operation = await spanNamed(traceId, 'mutation StartOverSocket');
    expect(parentId(operation)).toBe('4444444444444444');
    expect(operation.attributes).toMatchObject({ 'graphql.operation.type': 'mutation', 'enduser.id': 'operator-user' });
    const start = await spanNamed(traceId, 'saga start');
    expect(parentId(start)).toBe(operation.spanContext().spanId);
  });

  it('records errors: a refused operation and one that fails as it runs end with status ERROR', async () => {
    const traceId = newTrace();
    const c = client({ ...wsAuth('viewer'), traceparent: `00-${traceId}-5555555555555555-01` });
    const refused = new Promise<unknown>((resolve) => {
      c.subscribe({ query: 'subscription Broken { noSuchField }' }, { next: () => undefined, error: resolve, complete: () => undefined });
    });
    expect(JSON.stringify(await refused)).toMatch(/noSuchField/);
    const invalid = await spanNamed(traceId, 'graphql');
    expect(invalid.status).toMatchObject({ code: 2, message: expect.stringMatching(/noSuchField/) });

    const failing = new Promise<unknown>((resolve) => {
      c.subscribe({ query: `subscription BadCursor { sagaEventFeed(after: "${Buffer.from('1|x').toString('base64url')}") { cursor } }` }, {
        next: (v) => resolve(v.errors), error: resolve, complete: () => undefined,
      });
    });
    expect(JSON.stringify(await failing)).toMatch(/BAD_USER_INPUT/);
    const failed = await spanNamed(traceId, 'subscription BadCursor');
    expect(failed.status.code).toBe(2);
    expect(failed.events.some((e) => e.name === 'exception')).toBe(true);
  });

  it('ends the spans of operations still running when their socket closes', async () => {
    const traceId = newTrace();
    const c = wsClient(stack.service.url, { ...wsAuth('viewer'), traceparent: `00-${traceId}-6666666666666666-01` });
    await firstResult(c, { query: 'subscription KeepsRunning { sagaStats(intervalMs: 250) { windowSeconds } }' });
    expect(finished(traceId)).toEqual([]);
    await c.dispose();
    const span = await spanNamed(traceId, 'subscription KeepsRunning');
    expect(parentId(span)).toBe('6666666666666666');
  });
});
