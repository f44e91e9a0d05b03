import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, type TracingHandle } from '../../../src/tracing/setup';
import { SagaStack } from '../../helpers/saga-stack';
import { eventually } from '../../helpers/services';

/**
 * A saga whose Product participant is reached over HTTP (PARTICIPANT_HTTP_ROUTES), tracing on:
 * the call is a CLIENT span in the saga's trace, under the step that sent the command, the
 * participant receives that span's traceparent, and the saga goes on under it.
 */
describe('an HTTP participant call in the saga\'s trace', () => {
  const exporter = new InMemorySpanExporter();
  const received: IncomingHttpHeaders[] = [];
  let tracing: TracingHandle;
  let stack: SagaStack;
  let product: Server;

  beforeAll(async () => {
    // The Product service over HTTP: answers every ReserveInventory with ProductReserved.
    product = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(req.headers);
        const command = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          eventId: randomUUID(), eventType: 'ProductReserved', sagaId: command.sagaId, orderId: command.orderId,
          correlationId: command.correlationId, causationId: command.eventId, timestamp: new Date().toISOString(), retryCount: 0,
          reservationId: `res-${String(command.orderId)}`,
          products: command.items.map((i: { productId: string; sku: string; quantity: number }) => ({ productId: i.productId, sku: i.sku, quantity: i.quantity })),
          expirationTime: new Date(Date.now() + 60000).toISOString(),
        }));
      });
    });
    await new Promise<void>((resolve) => product.listen(0, '127.0.0.1', () => resolve()));
    const port = (product.address() as AddressInfo).port;
    tracing = startTracing({ serviceName: 'saga-test', exporter, immediate: true });
    stack = await SagaStack.start({ PARTICIPANT_HTTP_ROUTES: `reserve-inventory-commands=http://127.0.0.1:${port}/inventory/reserve` });
  });
  afterAll(async () => {
    await stack?.stop();
    await tracing?.shutdown();
    product?.closeAllConnections();
    await new Promise<void>((resolve) => (product ? product.close(() => resolve()) : resolve()));
  });

  const traceOf = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;

  it('the POST is a CLIENT span under the step; the participant and the saga continue under it', async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const order = await stack.participants.createOrder({}, { traceparent: `00-${traceId}-7777777777777777-01` });
    // Only reserveInventory is routed over HTTP (the Kafka simulators never saw that reservation, so
    // the saga's later confirmation fails): the trace up to the reply is what this test is about.
    const reply = await eventually(() => traceOf(traceId).find((s) => s.name === 'saga reply ProductReserved'), 20000, 'the reply\'s span');

    const spans = traceOf(traceId);
    const call = spans.find((s) => s.name === 'POST /inventory/reserve')!;
    expect(call.kind).toBe(SpanKind.CLIENT);
    expect(call.attributes).toMatchObject({ 'http.request.method': 'POST', 'server.address': '127.0.0.1', 'http.response.status_code': 200 });
    const step = spans.find((s) => s.name === 'step reserveInventory')!;
    expect(parentId(call)).toBe(step.spanContext().spanId);
    expect(received.map((h) => h.traceparent)).toContain(`00-${traceId}-${call.spanContext().spanId}-01`);
    const consumed = spans.find((s) => s.name === 'process ProductReserved')!;
    expect(parentId(consumed)).toBe(call.spanContext().spanId);
    expect(parentId(reply)).toBe(consumed.spanContext().spanId);
    expect((await stack.sagaByOrder(order.orderId))!.state.data.reservationId).toBe(`res-${order.orderId}`);
  });
});
