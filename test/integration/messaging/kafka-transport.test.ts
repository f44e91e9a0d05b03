import pino from 'pino';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaTransport } from '../../../src/messaging/kafka-transport';
import type { TransportMessage } from '../../../src/runtime/ports';
import { eventually, kafkaBrokers, uniqueName } from '../../helpers/services';

describe('KafkaTransport on the real broker', () => {
  const transport = new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'test', logger: pino({ level: 'silent' }) });
  afterAll(() => transport.close());

  it('publishes and consumes a round trip, reporting where each message landed', async () => {
    const topic = uniqueName('roundtrip');
    await transport.ensureTopics([topic]);
    const received: TransportMessage[] = [];
    const subscription = await transport.subscribe({ groupId: uniqueName('group'), topics: [topic] }, async (batch) => {
      received.push(...batch);
    });
    const receipts = await transport.publish([
      { topic, key: 'order-1', value: '{"n":1}', headers: { traceparent: '00-abc-def-01' } },
      { topic, key: 'order-1', value: '{"n":2}' },
    ]);
    await eventually(() => (received.length >= 2 ? true : undefined), 30000, 'two messages');
    await subscription.stop();

    expect(received.map((m) => m.value?.toString())).toEqual(['{"n":1}', '{"n":2}']);
    expect(received[0].key).toBe('order-1');
    expect(received[0].headers.traceparent).toBe('00-abc-def-01');
    // Same key, same partition, consecutive offsets, and the receipts say exactly that.
    expect(receipts[0].partition).toBe(received[0].partition);
    expect(receipts.map((r) => r.offset)).toEqual(received.map((m) => m.offset));
  });

  it('reads the group\'s committed offsets (after a stop commits what was consumed), none for a partition never committed', async () => {
    const topic = uniqueName('committed');
    const groupId = uniqueName('group');
    await transport.ensureTopics([topic]);
    expect(await transport.committedOffsets(groupId, [topic])).toEqual(new Map());
    const receipts = await transport.publish([{ topic, key: 'k', value: 'a' }, { topic, key: 'k', value: 'b' }]);
    let seen = 0;
    const subscription = await transport.subscribe({ groupId, topics: [topic] }, async (batch) => { seen += batch.length; });
    await eventually(() => (seen >= 2 ? true : undefined), 30000, 'two messages');
    await subscription.stop();
    const { partition, offset } = receipts[1];
    expect(await transport.committedOffsets(groupId, [topic])).toEqual(new Map([[`${topic}/${partition}`, BigInt(offset) + 1n]]));
  });

  it('merges publishes made while one is in flight, and still tells each caller where its own messages landed', async () => {
    const topic = uniqueName('merged');
    await transport.ensureTopics([topic]);
    const calls = Array.from({ length: 6 }, (_, call) =>
      Array.from({ length: 3 }, (__, n) => ({ topic, key: `order-${(call + n) % 4}`, value: `${call}-${n}` })));
    const receipts = await Promise.all(calls.map((messages) => transport.publish(messages)));
    const received = new Map<string, TransportMessage>();
    const subscription = await transport.subscribe({ groupId: uniqueName('group'), topics: [topic] }, async (batch) => {
      for (const m of batch) received.set(m.value!.toString(), m);
    });
    await eventually(() => (received.size >= 18 ? true : undefined), 30000, 'eighteen messages');
    await subscription.stop();
    calls.forEach((messages, call) => messages.forEach((m, n) => {
      const landed = received.get(m.value)!;
      expect({ partition: receipts[call][n].partition, offset: receipts[call][n].offset }).toEqual({ partition: landed.partition, offset: landed.offset });
    }));
  });

  it('keeps raw key and header bytes, with text views beside them', async () => {
    const topic = uniqueName('bytes');
    await transport.ensureTopics([topic]);
    const received: TransportMessage[] = [];
    const subscription = await transport.subscribe({ groupId: uniqueName('group'), topics: [topic] }, async (batch) => { received.push(...batch); });
    const producer = new Kafka({ brokers: kafkaBrokers(), clientId: 'bytes', logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ key: Buffer.from([0xff, 0x00]), value: Buffer.from('v'), headers: { bin: Buffer.from([0xfe, 0x00]), twice: [Buffer.from('a'), Buffer.from('b')] } }] });
    } finally {
      await producer.disconnect();
    }
    await eventually(() => (received.length >= 1 ? true : undefined), 30000, 'the message');
    await subscription.stop();
    expect(received[0].keyBytes).toEqual(Buffer.from([0xff, 0x00]));
    expect(received[0].headerBytes).toEqual({ bin: [Buffer.from([0xfe, 0x00])], twice: [Buffer.from('a'), Buffer.from('b')] });
    expect(received[0].headers.twice).toBe('b');
  });

  it('a member that lost partitions in a rebalance does not commit its old offsets of them on stop', async () => {
    const topic = uniqueName('rebalance');
    const groupId = uniqueName('group');
    await transport.ensureTopics([topic]);
    const other = new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'test-b', logger: pino({ level: 'silent' }) });
    const seen = new Set<string>();
    const byB = new Set<string>();
    const publishRound = (round: number) => transport.publish(Array.from({ length: 16 }, (_, i) => ({ topic, key: `k-${i}`, value: `${round}-${i}` })));
    try {
      const a = await transport.subscribe({ groupId, topics: [topic] }, async (batch) => { for (const m of batch) seen.add(m.value!.toString()); });
      await publishRound(1);
      await eventually(() => (seen.size >= 16 ? true : undefined), 30000, 'round 1 by A');
      const b = await other.subscribe({ groupId, topics: [topic] }, async (batch) => {
        for (const m of batch) { seen.add(m.value!.toString()); byB.add(m.value!.toString()); }
      });
      // B has joined once it consumes: keep publishing until it does.
      for (let round = 2; byB.size === 0; round++) {
        await publishRound(round);
        await eventually(() => (seen.size >= 16 * round ? true : undefined), 30000, `round ${round}`);
      }
      await b.stop(); // commits B's progress; its partitions go back to A, which has nothing new to consume there
      await a.stop();
      const admin = new Kafka({ brokers: kafkaBrokers(), clientId: 'offsets', logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const high = await admin.fetchTopicOffsets(topic);
        const used = high.filter((h) => h.high !== '0');
        const offsetOf = new Map(committed.partitions.map((p) => [p.partition, p.offset]));
        expect(used.map((h) => [h.partition, offsetOf.get(h.partition)])).toEqual(used.map((h) => [h.partition, h.high]));
      } finally {
        await admin.disconnect();
      }
    } finally {
      await other.close();
    }
  });

  it('delivers a batch again when its handler fails', async () => {
    const topic = uniqueName('redeliver');
    let attempts = 0;
    const seen: string[] = [];
    const subscription = await transport.subscribe({ groupId: uniqueName('group'), topics: [topic] }, async (batch) => {
      attempts += 1;
      if (attempts === 1) throw new Error('simulated failure before commit');
      seen.push(...batch.map((m) => m.value!.toString()));
    });
    await transport.publish([{ topic, key: 'k', value: 'once' }]);
    await eventually(() => (seen.length > 0 ? true : undefined), 30000, 'redelivery');
    await subscription.stop();
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual(['once']);
  });

  it('reports the broker healthy', async () => {
    await expect(transport.isHealthy()).resolves.toBe(true);
  });
});
