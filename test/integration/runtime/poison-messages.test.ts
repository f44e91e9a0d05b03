import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type Producer } from 'kafkajs';
import { buildOrder } from '../../../src/participants/order';
import type { TransportMessage } from '../../../src/runtime/ports';
import { SagaStack, type SagaRow } from '../../helpers/saga-stack';
import { eventually, kafkaBrokers } from '../../helpers/services';

const ORDERS = 'order-created-events';
const ORDERS_DLQ = 'order-created-events.dlq';
const PAYMENTS = 'payment-processed-events';
const PAYMENTS_DLQ = 'payment-processed-events.dlq';
/** Tests that restart the orchestrator or wait out a failing partition: rebalances take seconds each. */
const RESTART_TEST_MS = 180_000;

interface RawMessage {
  key: Buffer;
  value: Buffer;
  headers?: Record<string, Buffer>;
}

/** A dead-letter record as CONTRACT.md fixes it, read without the service's own decoder. */
interface Letter {
  record: {
    error: string; topic: string; partition: number; offset: string; key: string | null; value: string | null;
    headers: Record<string, string | string[]>; deadLetteredAt: string;
  };
  message: TransportMessage;
}

/**
 * Poison input on the real broker and PostgreSQL (issue 10): whatever a message holds, it never
 * stops its partition, and it lands in `<topic>.dlq` exactly once with its original bytes.
 */
describe('poison messages never stop a partition', () => {
  let stack: SagaStack;
  let kafka: Kafka;
  let producer: Producer;
  let admin: Admin;

  beforeAll(async () => {
    // Steps wait long for replies: these tests are about the consumer, not about timeouts.
    stack = await SagaStack.start({ SAGA_STEP_TIMEOUT_MS: '10000' });
    kafka = new Kafka({ brokers: kafkaBrokers(), clientId: 'poison-test', logLevel: logLevel.NOTHING });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
  });
  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await stack?.stop();
  });

  /** Sends raw bytes to one partition, in order (so they queue behind each other); returns their offsets. */
  const send = async (partition: number, messages: RawMessage[], topic = ORDERS): Promise<string[]> => {
    const [result] = await producer.send({ topic: `${stack.prefix}${topic}`, acks: -1, messages: messages.map((m) => ({ ...m, partition })) });
    return messages.map((_, i) => (BigInt(result.baseOffset!) + BigInt(i)).toString());
  };
  const orderMessage = (order: object): RawMessage => ({ key: Buffer.from((order as { orderId: string }).orderId), value: Buffer.from(JSON.stringify(order)) });

  /** Records written to a topic so far (no compaction, no transactions: the high watermarks' sum). */
  const recordCount = async (topic: string): Promise<number> => {
    const offsets = await admin.fetchTopicOffsets(`${stack.prefix}${topic}`);
    return offsets.reduce((n, o) => n + Number(o.high), 0);
  };

  /** Every record of a dead-letter topic, decoded. */
  const letters = async (topic = ORDERS_DLQ): Promise<Letter[]> => {
    await stack.transport.ensureTopics([topic]);
    const total = await recordCount(topic);
    const seen = await stack.collect(topic);
    try {
      await eventually(() => (seen.messages.length >= total ? true : undefined), 20000, `${total} records of ${topic}`);
    } finally {
      await seen.stop();
    }
    return seen.messages.map((message) => ({ record: JSON.parse(message.value!.toString('utf8')), message }));
  };

  /** Waits until everything committed to the outbox (dead letters included) is on the broker. */
  const outboxDrained = () => eventually(async () => {
    const { rows } = await stack.db.query('select count(*)::int as n from outbox_message where published_at is null');
    return rows[0].n === 0 ? true : undefined;
  }, 20000, 'the outbox to be published');

  /** The dead letters of one original key (a dead letter's own Kafka key is the original key). */
  const of = (all: Letter[], key: Buffer) => all.filter((l) => l.message.key === key.toString('utf8'));
  const lettersOf = async (key: Buffer) => of(await letters(), key);

  it('rejects at the edge what storage refuses; good orders behind it complete; each bad one is dead-lettered once with its bytes, also after a restart', async () => {
    const keys = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const hugeAmount = { ...buildOrder({ orderId: keys[0] }), totalAmount: '12345678901234567890.00' };
    const nul = { ...buildOrder({ orderId: keys[1] }), customerId: 'customer\u0000x' };
    // JSON.stringify writes a lone surrogate as the escape `\ud800`: an invalid Unicode escape.
    const loneSurrogate = JSON.stringify({ ...buildOrder({ orderId: keys[2] }), customerId: 'customer\ud800x' });
    expect(loneSurrogate).toContain('\\ud800');
    const garbage: RawMessage = {
      key: Buffer.from(keys[3]),
      value: Buffer.from('deadbeef00ff', 'hex'),
      headers: { 'x-binary': Buffer.from([0xff, 0x00, 0xfe]), traceparent: Buffer.from('00-abc-def-01') },
    };
    const bad: RawMessage[] = [orderMessage(hugeAmount), orderMessage(nul), { key: Buffer.from(keys[2]), value: Buffer.from(loneSurrogate) }, garbage];
    const goods = keys.map((orderId) => buildOrder({ orderId }));
    // Each bad message queued right in front of a good order with the same key, all on one partition.
    const offsets = await send(0, bad.flatMap((b, i) => [b, orderMessage(goods[i])]));

    for (const good of goods) await stack.waitForStatus(good.orderId, 'COMPLETED');
    await outboxDrained();
    const expectedErrors = [/totalAmount: .*at most 15 integer digits/, /customerId: must not contain NUL/, /customerId: invalid Unicode/, /not valid UTF-8/];
    const all = await letters();
    for (const [i, message] of bad.entries()) {
      const found = of(all, message.key);
      expect(found).toHaveLength(1);
      const { record, message: letter } = found[0];
      expect(record).toMatchObject({ topic: ORDERS, partition: 0, offset: offsets[i * 2], key: message.key.toString('base64'), value: message.value.toString('base64') });
      expect(record.error).toMatch(expectedErrors[i]);
      expect(new Date(record.deadLetteredAt).getTime()).not.toBeNaN();
      expect(letter.keyBytes).toEqual(message.key);
      expect(letter.headers['x-original-topic']).toBe(ORDERS);
      expect(letter.headers['x-dlq-error']).toBe(record.error.slice(0, 500));
    }
    const garbageRecord = of(all, garbage.key)[0].record;
    expect(garbageRecord.headers).toEqual({ 'x-binary': Buffer.from([0xff, 0x00, 0xfe]).toString('base64'), traceparent: Buffer.from('00-abc-def-01').toString('base64') });
    expect(Buffer.from(garbageRecord.value!, 'base64')).toEqual(garbage.value);

    // A crash after the commit and before the offset commit: the second instance gets it all again.
    await stack.restartService(() => admin.resetOffsets({ groupId: stack.serviceEnv.KAFKA_GROUP_ID, topic: `${stack.prefix}${ORDERS}`, earliest: true }));
    const after = buildOrder({});
    await send(0, [orderMessage(after)]);
    await stack.waitForStatus(after.orderId, 'COMPLETED');
    await outboxDrained();
    const afterRestart = await letters();
    for (const message of bad) expect(of(afterRestart, message.key)).toHaveLength(1);
  }, RESTART_TEST_MS);

  it('a redelivered dead letter is not dead-lettered again (one bad message, one record, whatever the restarts)', async () => {
    const key = Buffer.from(randomUUID());
    await send(1, [{ key, value: Buffer.from('{"this is": not json') }]);
    await eventually(async () => ((await lettersOf(key)).length > 0 ? true : undefined), 20000, 'the dead letter');
    for (let restart = 0; restart < 2; restart++) {
      await stack.restartService(() => admin.resetOffsets({ groupId: stack.serviceEnv.KAFKA_GROUP_ID, topic: `${stack.prefix}${ORDERS}`, earliest: true }));
      const behind = buildOrder({});
      await send(1, [orderMessage(behind)]);
      await stack.waitForStatus(behind.orderId, 'COMPLETED');
      await outboxDrained();
    }
    const found = await lettersOf(key);
    expect(found.map((l) => l.record.error)).toEqual([expect.stringMatching(/malformed JSON/)]);
  }, RESTART_TEST_MS);

  it('a message the database refuses (a CHECK the schema cannot know) is isolated; the rest of its partition and of its group commits', async () => {
    await stack.db.query("alter table saga_instance add constraint test_refuses_cursed check (customer_id is distinct from 'cursed-customer')");
    try {
      const before = [buildOrder({}), buildOrder({}), buildOrder({})];
      const cursed = buildOrder({ customerId: 'cursed-customer' });
      const behind = [buildOrder({}), buildOrder({}), buildOrder({})];
      const elsewhere = [buildOrder({}), buildOrder({}), buildOrder({})];
      const [cursedOffset] = (await send(2, [...before, cursed, ...behind].map(orderMessage))).slice(3);
      await send(3, elsewhere.map(orderMessage));
      for (const good of [...before, ...behind, ...elsewhere]) await stack.waitForStatus(good.orderId, 'COMPLETED');
      await outboxDrained();
      const found = await lettersOf(Buffer.from(cursed.orderId));
      expect(found).toHaveLength(1);
      expect(found[0].record).toMatchObject({ partition: 2, offset: cursedOffset, value: Buffer.from(JSON.stringify(cursed)).toString('base64') });
      expect(found[0].record.error).toMatch(/test_refuses_cursed/);
      expect(await stack.sagaByOrder(cursed.orderId)).toBeUndefined();
    } finally {
      await stack.db.query('alter table saga_instance drop constraint test_refuses_cursed');
    }
  });

  it('a reply that would make its saga send a command the contract refuses is dead-lettered alone; the rest of its batch goes on', async () => {
    const orders = [buildOrder({}), buildOrder({}), buildOrder({}), buildOrder({}), buildOrder({})];
    await send(0, orders.map(orderMessage));
    const sagas: SagaRow[] = [];
    for (const order of orders) sagas.push(await stack.waitForStatus(order.orderId, 'COMPLETED'));
    // A second charge reported after COMPLETED is unkept and refunded; one of 0.00 would need a
    // RefundPayment of 0.00, which the contract refuses (InvalidCommandError), so that reply is the poison.
    const lateCharge = (saga: SagaRow, orderId: string, amount: string) => ({
      eventId: randomUUID(), eventType: 'PaymentProcessed', sagaId: saga.id, orderId,
      correlationId: saga.id, causationId: null, timestamp: new Date().toISOString(), retryCount: 0,
      paymentId: `late-${randomUUID()}`, amount, transactionId: `tx-${randomUUID()}`, paymentMethod: 'CREDIT_CARD', processedAt: new Date().toISOString(),
    });
    const replies = sagas.map((saga, i) => lateCharge(saga, orders[i].orderId, i === 2 ? '0.00' : '10.00'));
    const raw = replies.map((r) => ({ key: Buffer.from(r.orderId), value: Buffer.from(JSON.stringify(r)), headers: { 'x-test': Buffer.from([0x01, 0xff]) } }));
    // One send to one partition: the five replies arrive in one fetch, the bad one in the middle.
    const offsets = await send(0, raw, PAYMENTS);

    for (const [i, reply] of replies.entries()) {
      if (i === 2) continue;
      await eventually(async () => {
        const saga = await stack.sagaByOrder(reply.orderId);
        return (saga?.state.unkept ?? []).some((e: { key: string }) => e.key === reply.paymentId) ? true : undefined;
      }, 20000, `the unkept charge of reply ${i}`);
    }
    await outboxDrained();
    const all = await letters(PAYMENTS_DLQ);
    expect(all.map((l) => l.message.key)).toEqual([replies[2].orderId]);
    const [{ record }] = all;
    expect(record).toMatchObject({ topic: PAYMENTS, partition: 0, offset: offsets[2], key: raw[2].key.toString('base64'), value: raw[2].value.toString('base64') });
    expect(record.headers).toEqual({ 'x-test': Buffer.from([0x01, 0xff]).toString('base64') });
    expect(record.error).toMatch(/would send a command the contract refuses.*amount/);
    // The poison changed nothing on its saga; every other reply's refund is in the outbox.
    expect((await stack.sagaByOrder(replies[2].orderId))!.state.unkept ?? []).toEqual([]);
    for (const [i, reply] of replies.entries()) {
      const { rows } = await stack.db.query(`select value from outbox_message where saga_id = $1 and topic like '%refund-payment-commands'`, [sagas[i].id]);
      const refunded = rows.map((r) => (typeof r.value === 'string' ? JSON.parse(r.value) : r.value).paymentId);
      expect(refunded).toEqual(i === 2 ? [] : [reply.paymentId]);
    }
  });

  it('an eventId reused with a different payload is dead-lettered and counted; the same payload again stays a silent duplicate', async () => {
    const first = buildOrder({});
    await send(0, [orderMessage(first)]);
    await stack.waitForStatus(first.orderId, 'COMPLETED');
    const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${stack.service.url}/metrics`)).text())?.[1] ?? 0);
    const duplicatesBefore = await metric('saga_messages_duplicate_total');
    const reused = { ...buildOrder({}), eventId: first.eventId };
    await send(0, [orderMessage(first), orderMessage(reused)]);
    const found = await eventually(async () => {
      const l = await lettersOf(Buffer.from(reused.orderId));
      return l.length > 0 ? l : undefined;
    }, 20000, 'the dead letter of the reused eventId');
    expect(found[0].record.error).toMatch(/eventId reused with a different payload/);
    await outboxDrained();
    expect(await lettersOf(Buffer.from(first.orderId))).toEqual([]);
    expect(await stack.sagaByOrder(reused.orderId)).toBeUndefined();
    expect(await metric('saga_messages_conflicting_total')).toBe(1);
    expect(await metric('saga_messages_duplicate_total')).toBeGreaterThan(duplicatesBefore);
  });

  it('while the database keeps failing a partition, nothing is dead-lettered and /ready says which partition; it recovers', async () => {
    // An error of the connection class (SQLSTATE 08006), as an outage gives, for one order only.
    await stack.db.query(`create function test_outage() returns trigger language plpgsql as $$
      begin if new.customer_id = 'outage-customer' then raise exception 'simulated outage' using errcode = '08006'; end if; return new; end $$`);
    await stack.db.query('create trigger test_outage before insert on saga_instance for each row execute function test_outage()');
    const order = buildOrder({ customerId: 'outage-customer' });
    try {
      await send(3, [orderMessage(order)]);
      const report = await eventually(async () => {
        const res = await fetch(`${stack.service.url}/ready`);
        const body = await res.json() as { consumer?: { failing?: { topic: string; partition: number; error: string }[] } };
        const failing = body.consumer?.failing?.find((f) => f.topic === ORDERS && f.partition === 3);
        return res.status === 503 && failing ? { body, failing } : undefined;
      }, 40000, '/ready to report partition 3 failing');
      expect(report.failing.error).toMatch(/simulated outage/);
    } finally {
      await stack.db.query('drop trigger test_outage on saga_instance');
    }
    await stack.waitForStatus(order.orderId, 'COMPLETED', 60000);
    await eventually(async () => ((await fetch(`${stack.service.url}/ready`)).status === 200 ? true : undefined), 20000, '/ready to be 200 again');
    await outboxDrained();
    expect(await lettersOf(Buffer.from(order.orderId))).toEqual([]);
  }, RESTART_TEST_MS);
});
