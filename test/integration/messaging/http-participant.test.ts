import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import pino from 'pino';
import { ORDER_WIRE, TOPICS } from '../../../src/sagas/order/contract';
import { ORDER_HTTP_COMMANDS } from '../../../src/sagas/order/http-commands';

/** The order saga's participant commands and reply topics. */
const ORDER_PARTICIPANTS = { commands: ORDER_HTTP_COMMANDS, topicOf: (eventType: string) => ORDER_WIRE.topicOf(eventType) };
import { StaticServiceDirectory, type ServiceDirectory, type ServiceInstance } from '../../../src/discovery/service-directory';
import { HttpParticipantTransport, type HttpParticipantTransportOptions } from '../../../src/messaging/http-participant-transport';
import { KafkaTransport } from '../../../src/messaging/kafka-transport';
import { PrefixedTransport } from '../../../src/messaging/prefixed-transport';
import { recordSpans } from '../../helpers/tracing';
import { parseTraceparent } from '../../../src/tracing/traceparent';
import type {
  BatchHandler, MessageTransport, OutgoingMessage, PublishReceipt, SubscribeOptions, Subscription, TransportMessage,
} from '../../../src/runtime/ports';
import { eventually, kafkaBrokers, uniqueName } from '../../helpers/services';

/** A request the fake Product service received. */
interface Hit { method: string; path: string; headers: IncomingMessage['headers']; body: string }
type Handler = (hit: Hit, res: ServerResponse) => void;

/** The Product service over HTTP: a real node:http server on 127.0.0.1 with a swappable handler. */
class FakeParticipant {
  readonly hits: Hit[] = [];
  handler: Handler = (_hit, res) => { res.writeHead(500).end(); };
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      this.hits.push(hit);
      this.handler(hit, res);
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Records what reaches the inner transport (and when), then passes it on. */
class SpyTransport implements MessageTransport {
  readonly published: OutgoingMessage[] = [];
  constructor(private readonly inner: MessageTransport) {}
  async publish(messages: OutgoingMessage[]): Promise<PublishReceipt[]> {
    const receipts = await this.inner.publish(messages);
    this.published.push(...messages);
    return receipts;
  }
  subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> { return this.inner.subscribe(options, handler); }
  ensureTopics(topics: string[]): Promise<void> { return this.inner.ensureTopics(topics); }
  isHealthy(): Promise<boolean> { return this.inner.isHealthy(); }
  close(): Promise<void> { return Promise.resolve(); } // the shared KafkaTransport is closed in afterAll
}

function reserveInventory(orderId = randomUUID()): OutgoingMessage {
  const value = {
    eventId: randomUUID(), eventType: 'ReserveInventory', sagaId: randomUUID(), orderId, correlationId: randomUUID(),
    causationId: null, timestamp: new Date().toISOString(), retryCount: 0,
    items: [{ productId: 'p-1', sku: 'SKU-1', quantity: 2, unitPrice: '10.00' }],
  };
  return { topic: TOPICS.reserveInventory, key: orderId, value: JSON.stringify(value), headers: { traceparent: `00-${randomUUID().replace(/-/g, '')}-0123456789abcdef-01` } };
}

/** What the Product service answers to a ReserveInventory body. */
function productReserved(commandBody: string): string {
  const command = JSON.parse(commandBody) as Record<string, unknown>;
  return JSON.stringify({
    eventId: randomUUID(), eventType: 'ProductReserved', sagaId: command.sagaId, orderId: command.orderId,
    correlationId: command.correlationId, causationId: command.eventId, timestamp: new Date().toISOString(), retryCount: 0,
    reservationId: `res-${String(command.orderId)}`, products: [{ productId: 'p-1', sku: 'SKU-1', quantity: 2 }],
    expirationTime: new Date(Date.now() + 60000).toISOString(),
  });
}

const replyOk: Handler = (hit, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end(productReserved(hit.body)); };

describe('HttpParticipantTransport: participants over HTTP, Kafka for the rest', () => {
  const kafka = new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'http-participant-test', logger: pino({ level: 'silent' }) });
  const participant = new FakeParticipant();
  const subscriptions: Subscription[] = [];
  const transports: HttpParticipantTransport[] = [];
  let logs: Record<string, unknown>[];
  let spy: SpyTransport;

  beforeAll(() => participant.start());
  afterAll(async () => {
    await Promise.all(subscriptions.map((s) => s.stop()));
    await Promise.all(transports.map((t) => t.close()));
    await kafka.close();
    await participant.stop();
  });
  beforeEach(() => {
    logs = [];
    participant.hits.length = 0;
    participant.handler = replyOk;
    // Each test gets its own topics on the shared broker.
    spy = new SpyTransport(new PrefixedTransport(kafka, `${uniqueName('http')}.`));
  });

  function build(options: Partial<HttpParticipantTransportOptions> = {}, path = '/inventory/reserve'): HttpParticipantTransport {
    const logger = pino({ level: 'debug' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } });
    const transport = new HttpParticipantTransport({ ...ORDER_PARTICIPANTS,
      inner: spy, logger, routes: { [TOPICS.reserveInventory]: { url: `${participant.url}${path}` } },
      initialBackoffMs: 20, maxBackoffMs: 50, ...options,
    });
    transports.push(transport);
    return transport;
  }

  /** Consumes `topics` from the broker (through the test's prefix) into one list. */
  async function consume(topics: string[]): Promise<TransportMessage[]> {
    const received: TransportMessage[] = [];
    subscriptions.push(await spy.subscribe({ groupId: uniqueName('g'), topics, fromBeginning: true }, async (batch) => { received.push(...batch); }));
    return received;
  }

  const failureLogs = () => logs.filter((l) => l.msg === 'participant HTTP call failed; the saga step timeout will re-send the command');

  it('POSTs a routed command and publishes the reply on its reply topic on the broker before resolving; unrouted messages go to the broker', async () => {
    const transport = build();
    const received = await consume([TOPICS.productReserved, TOPICS.reserveInventory, TOPICS.orderApproved]);
    const command = reserveInventory();
    const approved: OutgoingMessage = { topic: TOPICS.orderApproved, key: 'other-order', value: '{"n":1}' };

    const receipts = await transport.publish([command, approved]);

    // The participant got exactly the message value, as JSON, with the trace context.
    expect(participant.hits).toHaveLength(1);
    const hit = participant.hits[0];
    expect(hit.method).toBe('POST');
    expect(hit.path).toBe('/inventory/reserve');
    expect(hit.headers['content-type']).toBe('application/json');
    expect(hit.headers.traceparent).toBe(command.headers!.traceparent);
    expect(hit.body).toBe(command.value);
    // The reply was acknowledged by the broker before publish() resolved.
    const reply = spy.published.find((m) => m.topic === TOPICS.productReserved);
    expect(reply).toBeDefined();
    expect(JSON.parse(reply!.value)).toMatchObject({ eventType: 'ProductReserved', causationId: JSON.parse(command.value).eventId });
    expect(receipts[0]).toEqual({ topic: TOPICS.reserveInventory, partition: -1, offset: '-1' });
    expect(receipts[1].topic).toBe(TOPICS.orderApproved);
    expect(receipts[1].partition).toBeGreaterThanOrEqual(0);

    await eventually(() => (received.some((m) => m.topic === TOPICS.productReserved) && received.some((m) => m.topic === TOPICS.orderApproved) ? true : undefined), 30000, 'reply and unrouted message on the broker');
    const onBroker = received.find((m) => m.topic === TOPICS.productReserved)!;
    expect(onBroker.value?.toString()).toBe(reply!.value);
    expect(onBroker.key).toBe(command.key);
    expect(onBroker.headers.traceparent).toBe(command.headers!.traceparent);
    expect(received.find((m) => m.topic === TOPICS.orderApproved)!.value?.toString()).toBe('{"n":1}');
    // The routed command itself never went to the broker.
    expect(spy.published.some((m) => m.topic === TOPICS.reserveInventory)).toBe(false);
    expect(received.some((m) => m.topic === TOPICS.reserveInventory)).toBe(false);
    expect(transport.routesHealth()).toEqual([{ topic: TOPICS.reserveInventory, url: `${participant.url}/inventory/reserve`, state: 'closed', failures: 0 }]);
  });

  it('resolves an lb://<service> route through the service directory per attempt, and tells it which instance could not be reached', async () => {
    const dead: ServiceInstance = { id: 'dead', baseUrl: 'http://127.0.0.1:1' };
    const alive: ServiceInstance = { id: 'alive', baseUrl: participant.url };
    const reported: string[] = [];
    let turn = 0;
    const services: ServiceDirectory = {
      pick: async (service) => (service === 'product-service' ? [dead, alive][turn++ % 2] : undefined),
      reportFailure: (service, instance) => { reported.push(`${service}/${instance.id}`); },
    };
    const transport = build({ routes: { [TOPICS.reserveInventory]: { url: 'lb://product-service/inventory/reserve?v=2', service: 'product-service' } }, services });

    await transport.publish([reserveInventory()]);

    expect(participant.hits.map((h) => h.path)).toEqual(['/inventory/reserve?v=2']);
    expect(reported).toEqual(['product-service/dead']);
    expect(spy.published.filter((m) => m.topic === TOPICS.productReserved)).toHaveLength(1);
    expect(transport.routesHealth()[0]).toMatchObject({ url: 'lb://product-service/inventory/reserve?v=2', state: 'closed', failures: 0 });
  });

  it('counts an lb:// command as failed, without a crash, when no instance is known; static addresses resolve it', async () => {
    const route = { [TOPICS.reserveInventory]: { url: 'lb://product-service/inventory/reserve', service: 'product-service' } };
    const none = build({ routes: route, services: new StaticServiceDirectory({}), retries: 1 });
    await expect(none.publish([reserveInventory()])).resolves.toHaveLength(1);
    expect(none.routesHealth()[0].failures).toBe(1);
    expect(failureLogs()[0]).toMatchObject({ error: "no UP instance of service 'product-service' is known" });

    const fixed = build({ routes: route, services: new StaticServiceDirectory({ 'product-service': participant.url }) });
    await fixed.publish([reserveInventory()]);
    expect(participant.hits.map((h) => h.path)).toEqual(['/inventory/reserve']);
    expect(() => build({ routes: route })).toThrow(/names a service, but no service discovery is configured/);
  });

  it('puts each reply on the topic of its eventType; a body that is not a known reply goes raw to the primary reply topic', async () => {
    const transport = build();
    const [failed, garbage, foreign] = [reserveInventory(), reserveInventory(), reserveInventory()];
    participant.handler = (hit, res) => {
      const orderId = (JSON.parse(hit.body) as { orderId: string }).orderId;
      if (orderId === failed.key) res.writeHead(200).end(productReserved(hit.body).replace('"ProductReserved"', '"ProductReservationFailed"'));
      else if (orderId === garbage.key) res.writeHead(200).end('<html>oops</html>');
      else res.writeHead(200).end(productReserved(hit.body).replace('"ProductReserved"', '"PaymentProcessed"'));
    };
    await transport.publish([failed, garbage, foreign]);
    expect(participant.hits).toHaveLength(3);
    const byKey = new Map(spy.published.map((m) => [m.key, m]));
    expect(byKey.get(failed.key)!.topic).toBe(TOPICS.productReservationFailed);
    expect(byKey.get(garbage.key)).toMatchObject({ topic: TOPICS.productReserved, value: '<html>oops</html>' });
    // A reply of another participant must not be slipped onto that participant's topic.
    expect(byKey.get(foreign.key)!.topic).toBe(TOPICS.productReserved);
  });

  it('retries 5xx with back-off and succeeds on the third attempt', async () => {
    const transport = build({ retries: 2 });
    participant.handler = (hit, res) => {
      if (participant.hits.length <= 2) res.writeHead(500).end('busy');
      else replyOk(hit, res);
    };
    await transport.publish([reserveInventory()]);
    expect(participant.hits).toHaveLength(3);
    expect(spy.published.map((m) => m.topic)).toEqual([TOPICS.productReserved]);
    expect(transport.routesHealth()[0]).toMatchObject({ state: 'closed', failures: 0 });
    expect(logs.filter((l) => l.msg === 'retrying participant call')).toHaveLength(2);
  });

  it('a hanging participant hits the per-attempt timeout; publish resolves without a reply and logs the failure', async () => {
    const transport = build({ timeoutMs: 300, retries: 1 });
    participant.handler = () => { /* never answers */ };
    const command = reserveInventory();
    const started = Date.now();
    const receipts = await transport.publish([command]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2 * 300);
    expect(elapsed).toBeLessThan(5000);
    expect(participant.hits).toHaveLength(2);
    expect(receipts).toEqual([{ topic: TOPICS.reserveInventory, partition: -1, offset: '-1' }]);
    expect(spy.published).toEqual([]);
    expect(transport.routesHealth()[0].failures).toBe(1);
    expect(failureLogs()).toEqual([expect.objectContaining({
      level: 40, topic: TOPICS.reserveInventory, eventId: JSON.parse(command.value).eventId, attempts: 2, error: 'timed out after 300 ms',
    })]);
  });

  it('does not retry a 4xx, and 4xx answers do not open the breaker', async () => {
    const transport = build({ retries: 3, breaker: { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeout: 60000 } });
    participant.handler = (_hit, res) => { res.writeHead(422).end('{"error":"bad items"}'); };
    for (let i = 0; i < 3; i += 1) await transport.publish([reserveInventory()]);
    expect(participant.hits).toHaveLength(3);
    expect(spy.published).toEqual([]);
    expect(transport.routesHealth()[0]).toMatchObject({ state: 'closed', failures: 3 });
    expect(failureLogs()[0].error).toBe('HTTP 422: {"error":"bad items"}');
  });

  it('repeated failures open the breaker: calls fail fast without reaching the participant, then it half-opens and a success closes it', async () => {
    const transport = build({ retries: 0, breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeout: 800 } });
    participant.handler = (_hit, res) => { res.writeHead(503).end(); };
    for (let i = 0; i < 3; i += 1) await transport.publish([reserveInventory()]);
    expect(participant.hits).toHaveLength(3);
    expect(transport.routesHealth()[0]).toMatchObject({ state: 'open', failures: 3 });

    const started = Date.now();
    await transport.publish([reserveInventory(), reserveInventory()]);
    expect(Date.now() - started).toBeLessThan(200);
    expect(participant.hits).toHaveLength(3); // failed fast
    expect(transport.routesHealth()[0]).toMatchObject({ state: 'open', failures: 5 });
    expect(failureLogs().at(-1)).toMatchObject({ error: 'circuit breaker is open', breaker: 'open' });

    await eventually(() => (transport.routesHealth()[0].state === 'halfOpen' ? true : undefined), 5000, 'half-open');
    participant.handler = replyOk;
    await transport.publish([reserveInventory()]);
    expect(participant.hits).toHaveLength(4);
    expect(spy.published.map((m) => m.topic)).toEqual([TOPICS.productReserved]);
    expect(transport.routesHealth()[0]).toMatchObject({ state: 'closed', failures: 5 });
  });

  it('a participant that is down (connection refused) is retried, then counted as a failure', async () => {
    const down = new FakeParticipant();
    await down.start();
    const url = `${down.url}/x`;
    await down.stop();
    const transport = new HttpParticipantTransport({ ...ORDER_PARTICIPANTS,
      inner: spy, logger: pino({ level: 'debug' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } }),
      routes: { [TOPICS.reserveInventory]: { url, retries: 1 } }, initialBackoffMs: 10,
    });
    transports.push(transport);
    await transport.publish([reserveInventory()]);
    expect(failureLogs()).toEqual([expect.objectContaining({ attempts: 2, error: expect.stringMatching(/^network error: .*ECONNREFUSED/) })]);
    expect(transport.routesHealth()[0].failures).toBe(1);
  });

  it('leaves topics without a route on the broker', async () => {
    const transport = build();
    const received = await consume([TOPICS.applyCoupon]);
    const coupon: OutgoingMessage = { topic: TOPICS.applyCoupon, key: 'o-1', value: '{"eventType":"ApplyCoupon"}', headers: { traceparent: 't' } };
    const [receipt] = await transport.publish([coupon]);
    expect(receipt.topic).toBe(TOPICS.applyCoupon);
    expect(receipt.partition).toBeGreaterThanOrEqual(0);
    await eventually(() => (received.length > 0 ? true : undefined), 30000, 'unrouted message');
    expect(received[0].value?.toString()).toBe(coupon.value);
    expect(participant.hits).toHaveLength(0);
  });

  it('rejects a route for a topic that is not a participant command', () => {
    expect(() => new HttpParticipantTransport({ ...ORDER_PARTICIPANTS, inner: spy, logger: pino({ level: 'silent' }), routes: { [TOPICS.orderApproved]: { url: 'http://x/y' } } }))
      .toThrow(/not a participant command topic/);
  });

  describe('with tracing on', () => {
    const exporter = recordSpans('http-participant-test');

    const clientSpans = (traceId: string) => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.CLIENT && s.spanContext().traceId === traceId);
    const traceOf = (m: OutgoingMessage) => parseTraceparent(m.headers!.traceparent)!;

    it('each call is a CLIENT span under the command\'s trace; the participant gets its traceparent and the reply continues it', async () => {
      const transport = build();
      const received = await consume([TOPICS.productReserved]);
      const command = reserveInventory();
      const { traceId, spanId: stepSpan } = traceOf(command);

      await transport.publish([command]);

      const [span] = clientSpans(traceId);
      expect(clientSpans(traceId)).toHaveLength(1);
      expect(span.name).toBe('POST /inventory/reserve');
      expect(span.parentSpanContext?.spanId).toBe(stepSpan);
      const port = Number(new URL(participant.url).port);
      expect(span.attributes).toEqual({
        'http.request.method': 'POST', 'url.full': `${participant.url}/inventory/reserve`, 'url.template': '/inventory/reserve',
        'server.address': '127.0.0.1', 'server.port': port, 'http.response.status_code': 200,
      });
      expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
      // The participant joins the trace under the client span.
      const own = `00-${traceId}-${span.spanContext().spanId}-01`;
      expect(participant.hits[0].headers.traceparent).toBe(own);
      // Its reply, consumed by the orchestrator, continues from the request that got it.
      await eventually(() => (received.length > 0 ? true : undefined), 30000, 'the reply on the broker');
      expect(received[0].headers.traceparent).toBe(own);
    });

    it('one span per attempt: failed attempts are errors with their status, retries count their resends', async () => {
      const transport = build({ retries: 2 });
      participant.handler = (hit, res) => {
        if (participant.hits.length <= 2) res.writeHead(503).end('busy');
        else replyOk(hit, res);
      };
      const command = reserveInventory();
      await transport.publish([command]);

      const spans = clientSpans(traceOf(command).traceId).sort((a, b) => Number(a.attributes['http.request.resend_count'] ?? 0) - Number(b.attributes['http.request.resend_count'] ?? 0));
      expect(spans.map((s) => [s.attributes['http.request.resend_count'], s.attributes['http.response.status_code'], s.status.code, s.attributes['error.type']])).toEqual([
        [undefined, 503, SpanStatusCode.ERROR, '503'],
        [1, 503, SpanStatusCode.ERROR, '503'],
        [2, 200, SpanStatusCode.UNSET, undefined],
      ]);
      for (const s of spans) expect(s.parentSpanContext?.spanId).toBe(traceOf(command).spanId);
      // Each attempt tells the participant its own span.
      expect(participant.hits.map((h) => parseTraceparent(h.headers.traceparent as string)?.spanId).sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
    });

    it('a participant that cannot be reached is an error span without a status code', async () => {
      const down = new FakeParticipant();
      await down.start();
      const url = `${down.url}/x`;
      await down.stop();
      const transport = build({ routes: { [TOPICS.reserveInventory]: { url, retries: 0 } } });
      const command = reserveInventory();
      await transport.publish([command]);
      const [span] = clientSpans(traceOf(command).traceId);
      expect(span.status).toMatchObject({ code: SpanStatusCode.ERROR, message: expect.stringMatching(/ECONNREFUSED/) });
      expect(span.attributes['error.type']).toBe('network_error');
      expect(span.attributes['http.response.status_code']).toBeUndefined();
    });
  });
});
