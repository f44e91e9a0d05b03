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

  describe.each([1, 8])('batchesInFlight %i', (batchesInFlight) => {
    it('a member that lost partitions in a rebalance does not commit its old offsets of them on stop', async () => {
      const topic = uniqueName('rebalance');
      const groupId = uniqueName('group');
      await transport.ensureTopics([topic]);
      const other = new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'test-b', logger: pino({ level: 'silent' }) });
      const seen = new Set<string>();
      const byB = new Set<string>();
      const publishRound = (round: number) => transport.publish(Array.from({ length: 16 }, (_, i) => ({ topic, key: `k-${i}`, value: `${round}-${i}` })));
      try {
        const a = await transport.subscribe({ groupId, topics: [topic], batchesInFlight }, async (batch) => { for (const m of batch) seen.add(m.value!.toString()); });
        await publishRound(1);
        await eventually(() => (seen.size >= 16 ? true : undefined), 30000, 'round 1 by A');
        const b = await other.subscribe({ groupId, topics: [topic], batchesInFlight }, async (batch) => {
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

    it('delivers a failed batch again, and what followed it in its partition after it, in order', async () => {
      const topic = uniqueName('redeliver-order');
      await transport.ensureTopics([topic]);
      let failed = false;
      const handled: string[] = [];
      const subscription = await transport.subscribe({ groupId: uniqueName('group'), topics: [topic], batchesInFlight }, async (batch) => {
        const values = batch.map((m) => m.value!.toString());
        if (!failed && values.includes('b')) {
          failed = true;
          throw new Error('simulated failure before commit');
        }
        handled.push(...values);
      });
      for (const value of ['a', 'b', 'c', 'd']) await transport.publish([{ topic, key: 'same-partition', value }]);
      await eventually(() => (handled.includes('d') ? true : undefined), 30000, 'all four handled');
      await subscription.stop();
      expect(failed).toBe(true);
      // Each value's first successful handling comes in offset order; nothing after b was taken before b.
      expect([...new Set(handled)]).toEqual(['a', 'b', 'c', 'd']);
    });

    it('commits on stop exactly what was handled', async () => {
      const topic = uniqueName('committed-lanes');
      const groupId = uniqueName('group');
      await transport.ensureTopics([topic]);
      const receipts = await transport.publish(Array.from({ length: 8 }, (_, i) => ({ topic, key: `k-${i}`, value: `${i}` })));
      let seen = 0;
      const subscription = await transport.subscribe({ groupId, topics: [topic], batchesInFlight }, async (batch) => { seen += batch.length; });
      await eventually(() => (seen >= 8 ? true : undefined), 30000, 'eight messages');
      await subscription.stop();
      const high = new Map<string, bigint>();
      for (const r of receipts) {
        const key = `${topic}/${r.partition}`;
        if (!high.has(key) || high.get(key)! <= BigInt(r.offset)) high.set(key, BigInt(r.offset) + 1n);
      }
      expect(await transport.committedOffsets(groupId, [topic])).toEqual(high);
    });
  });

  describe('with batches in flight', () => {
    it('fetches on while a batch is being handled, handing each partition its batches one at a time, in order', async () => {
      const topic = uniqueName('lanes');
      await transport.ensureTopics([topic]);
      const receipts = await transport.publish(Array.from({ length: 8 }, (_, i) => ({ topic, key: `k-${i}`, value: `first-${i}` })));
      const blocked = receipts[0].partition;
      const other = receipts.findIndex((r) => r.partition !== blocked);
      expect(other).toBeGreaterThan(0);
      let release!: () => void;
      const released = new Promise<void>((resolve) => { release = resolve; });
      const busy = new Set<number>();
      let overlapped = false;
      const handled: TransportMessage[] = [];
      const subscription = await transport.subscribe({ groupId: uniqueName('group'), topics: [topic], batchesInFlight: 8 }, async (batch) => {
        const { partition } = batch[0];
        if (busy.has(partition)) overlapped = true;
        busy.add(partition);
        try {
          if (partition === blocked && !handled.some((m) => m.partition === blocked)) await released;
          handled.push(...batch);
        } finally {
          busy.delete(partition);
        }
      });
      const values = () => handled.map((m) => m.value!.toString());
      await eventually(() => (values().includes(`first-${other}`) ? true : undefined), 30000, 'another partition');
      // Published after the blocked batch was fetched: handled only if the consumer fetched on.
      await transport.publish([{ topic, key: 'k-0', value: 'late-blocked' }, { topic, key: `k-${other}`, value: 'late-other' }]);
      await eventually(() => (values().includes('late-other') ? true : undefined), 30000, 'a message fetched while a batch is being handled');
      expect(handled.some((m) => m.partition === blocked)).toBe(false);
      release();
      await eventually(() => (handled.length >= 10 ? true : undefined), 30000, 'every message');
      await subscription.stop();
      expect(overlapped).toBe(false);
      const ofBlocked = handled.filter((m) => m.partition === blocked);
      expect(ofBlocked[0].value!.toString()).toBe('first-0');
      expect(ofBlocked.at(-1)!.value!.toString()).toBe('late-blocked');
      const offsets = ofBlocked.map((m) => BigInt(m.offset));
      expect(offsets).toEqual([...offsets].sort((x, y) => (x < y ? -1 : 1)));
    });

    it('commits no offset past a batch still being handled', async () => {
      const topic = uniqueName('lanes-commit');
      const groupId = uniqueName('group');
      await transport.ensureTopics([topic]);
      const [slow] = await transport.publish([{ topic, key: 'k', value: 'slow' }]);
      await transport.publish([{ topic, key: 'k', value: 'next' }]);
      let release!: () => void;
      const released = new Promise<void>((resolve) => { release = resolve; });
      const handled: string[] = [];
      let started = false;
      const subscription = await transport.subscribe({ groupId, topics: [topic], batchesInFlight: 8 }, async (batch) => {
        started = true;
        if (batch[0].value!.toString() === 'slow') await released;
        handled.push(...batch.map((m) => m.value!.toString()));
      });
      try {
        await eventually(() => (started ? true : undefined), 30000, 'the slow batch handed over');
        // Longer than the commit interval: a commit of anything would have happened by now.
        await new Promise((resolve) => setTimeout(resolve, 2500));
        expect(handled).toEqual([]);
        expect(await transport.committedOffsets(groupId, [topic])).toEqual(new Map());
      } finally {
        release();
      }
      await eventually(() => (handled.length >= 2 ? true : undefined), 30000, 'both');
      await eventually(async () => ((await transport.committedOffsets(groupId, [topic])).get(`${topic}/${slow.partition}`) === BigInt(slow.offset) + 2n ? true : undefined), 30000, 'the periodic commit');
      await subscription.stop();
    });
  });

  it('reports the broker healthy', async () => {
    await expect(transport.isHealthy()).resolves.toBe(true);
  });
});
