import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, Partitioners, type Admin, type Batch, type Consumer, type EachBatchPayload, type IHeaders, type ITopicMetadata, type PartitionMetadata, type Producer } from 'kafkajs';
import type { Logger } from '../logger';
import {
  receivedMessage, type BatchHandler, type MessageTransport, type OutgoingMessage, type PublishReceipt, type SubscribeOptions, type Subscription,
  type TopicPartition, type TransportMessage,
} from '../runtime/ports';
import { BatchLanes } from './kafka-batch-lanes';

export interface KafkaTransportOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** Partitions for topics this transport creates. */
  defaultPartitions?: number;
  /**
   * Fetch tuning: the broker answers a fetch once it has `fetchMinBytes` or after
   * `fetchMaxWaitMs`. Defaults 1 byte / 500 ms: a fetch returns as soon as there is data (the
   * next one then takes all that arrived while the batch was handled) and an idle consumer asks
   * twice a second. A larger minimum with a short wait makes fewer, larger fetches at the price
   * of that wait on every hop, and 1000/wait fetches a second from every idle consumer. The
   * service sets them from KAFKA_FETCH_MIN_BYTES / KAFKA_FETCH_MAX_WAIT_MS (src/config.ts).
   */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
}

/**
 * MessageTransport over kafkajs. The producer is idempotent (acks=all, one request in flight), so
 * a retried send is not written twice. Partitions are chosen here with kafkajs's default
 * partitioner so each publish can report exactly where every message landed.
 */
export class KafkaTransport implements MessageTransport {
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly consumers = new Set<Consumer>();
  private readonly partitionMetadata = new Map<string, PartitionMetadata[]>();
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private connected?: Promise<void>;

  constructor(private readonly options: KafkaTransportOptions) {
    const logger = options.logger;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => ({ level, log }) => {
        const { message, ...extra } = log;
        if (level <= logLevel.ERROR) logger.error({ kafka: extra }, message);
        else logger.warn({ kafka: extra }, message);
      },
      retry: { retries: 8, initialRetryTime: 100 },
    });
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  private connect(): Promise<void> {
    this.connected ??= Promise.all([this.admin.connect(), this.producer.connect()]).then(() => undefined);
    return this.connected;
  }

  async ensureTopics(topics: string[]): Promise<void> {
    await this.ensureLedTopics(topics);
  }

  /** Creates the missing topics and waits until every partition has a leader; returns their metadata. */
  private async ensureLedTopics(topics: string[]): Promise<ITopicMetadata[]> {
    await this.connect();
    const wanted = [...new Set(topics)];
    const existing = new Set(await this.admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    for (let attempt = 1; missing.length > 0; attempt++) {
      try {
        await this.admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: this.options.defaultPartitions ?? 4 })),
        });
        break;
      } catch (error) {
        const message = (error as Error).message;
        // Another process may have created it between listTopics and createTopics.
        if (/already exists/i.test(message)) break;
        if (attempt >= 10 || !LEADER_NOT_YET.test(message)) throw error;
        await sleep(100 * attempt);
      }
    }
    // A topic another client has just created (listed, or "already exists") may have no leaders
    // yet, and subscribing to it then fails with "does not host this topic-partition".
    return this.waitForLeaders(wanted);
  }

  private async waitForLeaders(topics: string[]): Promise<ITopicMetadata[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { topics: found } = await this.admin.fetchTopicMetadata({ topics });
        const led = found.length === topics.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.partitionErrorCode === 0 && p.leader >= 0));
        if (led || attempt >= 50) return found;
      } catch (error) {
        if (attempt >= 50 || !LEADER_NOT_YET.test((error as Error).message)) throw error;
      }
      await sleep(Math.min(50 * attempt, 500));
    }
  }

  /** The partition list the partitioner needs, per topic, fetched once. */
  private async partitionMetadataOf(topic: string): Promise<PartitionMetadata[]> {
    const known = this.partitionMetadata.get(topic);
    if (known !== undefined) return known;
    const [metadata] = await this.ensureLedTopics([topic]);
    const count = metadata?.partitions.length ?? 1;
    const partitions = Array.from({ length: count }, (_, id) => ({ partitionId: id, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    this.partitionMetadata.set(topic, partitions);
    return partitions;
  }

  /**
   * Publishes at least once. Calls made while a send is in flight wait and go out together in
   * the next one (group commit for producing): the idempotent producer sends one request at a
   * time anyway, and one request for many callers costs the broker and this process a fraction
   * of one each. Order is kept: earlier calls' messages come first in the merged request.
   */
  publish(messages: OutgoingMessage[]): Promise<PublishReceipt[]> {
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.sendQueue.push({ messages, resolve, reject });
      if (!this.sending) void this.drainSendQueue();
    });
  }

  private readonly sendQueue: { messages: OutgoingMessage[]; resolve: (r: PublishReceipt[]) => void; reject: (e: unknown) => void }[] = [];
  private sending = false;

  private async drainSendQueue(): Promise<void> {
    this.sending = true;
    try {
      while (this.sendQueue.length > 0) {
        const group = this.sendQueue.splice(0);
        try {
          const receipts = await this.send(group.length === 1 ? group[0].messages : group.flatMap((g) => g.messages));
          let at = 0;
          for (const g of group) {
            g.resolve(receipts.slice(at, at + g.messages.length));
            at += g.messages.length;
          }
        } catch (error) {
          for (const g of group) g.reject(error);
        }
      }
    } finally {
      this.sending = false;
    }
  }

  private async send(messages: OutgoingMessage[]): Promise<PublishReceipt[]> {
    await this.connect();
    const placed: { topic: string; partition: number; message: OutgoingMessage }[] = [];
    for (const message of messages) {
      const partitionMetadata = await this.partitionMetadataOf(message.topic);
      const partition = this.partitioner({ topic: message.topic, partitionMetadata, message: { key: keyOf(message), value: message.value } });
      placed.push({ topic: message.topic, partition, message });
    }
    const byTopic = new Map<string, typeof placed>();
    for (const p of placed) {
      const list = byTopic.get(p.topic);
      if (list) list.push(p);
      else byTopic.set(p.topic, [p]);
    }
    const results = await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic.entries()].map(([topic, list]) => ({
        topic,
        messages: list.map((p) => ({ key: keyOf(p.message), value: p.message.value, partition: p.partition, headers: p.message.headers })),
      })),
    });
    // Offsets inside one topic-partition follow the send order from its base offset.
    const next = new Map<string, bigint>();
    for (const r of results) next.set(`${r.topicName}/${r.partition}`, BigInt(r.baseOffset ?? r.offset ?? '0'));
    return placed.map((p) => {
      const key = `${p.topic}/${p.partition}`;
      const offset = next.get(key) ?? 0n;
      next.set(key, offset + 1n);
      return { topic: p.topic, partition: p.partition, offset: offset.toString() };
    });
  }

  async subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    await this.ensureTopics(options.topics);
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      minBytes: this.options.fetchMinBytes ?? 1,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs ?? 500,
      // Bounds what one fetch buffers per partition (memory), while still batching well.
      maxBytesPerPartition: 256 * 1024,
    });
    this.consumers.add(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
    const toMessages = (batch: Batch) => batch.messages.map((m) => receivedMessage(batch.topic, batch.partition, m.offset, m.key, m.value, headerBytesOf(m.headers)));
    const consumption: Consumption = (options.batchesInFlight ?? 1) > 1
      ? new BatchLanes({ consumer, handler, toMessages, limit: options.batchesInFlight!, logger: this.options.logger, commitIntervalMs: OFFSET_COMMIT_INTERVAL_MS })
      : awaitingConsumption(consumer, handler, toMessages);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      consumption.rejoined();
      options.onAssigned?.(assignedPartitions(payload.memberAssignment));
    });
    await consumer.run({
      autoCommit: false,
      autoCommitInterval: OFFSET_COMMIT_INTERVAL_MS,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: consumption.eachBatch,
    });
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        await consumption.stop().catch((error: Error) => {
          this.options.logger.warn({ err: error }, 'committing consumed offsets on stop failed; they will be redelivered');
        });
        await consumer.disconnect();
      },
    };
  }

  async committedOffsets(groupId: string, topics: string[]): Promise<Map<string, bigint>> {
    await this.connect();
    const found = await withTimeout(this.admin.fetchOffsets({ groupId, topics }), 2000);
    const offsets = new Map<string, bigint>();
    for (const t of found) for (const p of t.partitions) if (/^\d+$/.test(p.offset)) offsets.set(`${t.topic}/${p.partition}`, BigInt(p.offset));
    return offsets;
  }

  async isHealthy(): Promise<boolean> {
    try {
      await this.connect();
      await withTimeout(this.admin.describeCluster(), 2000);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    if (this.connected) {
      await this.connected.catch(() => undefined);
      await Promise.all([this.producer.disconnect(), this.admin.disconnect()]);
    }
  }
}

/** How a subscription consumes: its eachBatch, what a rejoin of the group resets, what stop commits. */
interface Consumption {
  eachBatch(payload: EachBatchPayload): Promise<void>;
  rejoined(): void;
  stop(): Promise<void>;
}

/**
 * The plain loop: eachBatch returns once the handler did, so kafkajs fetches again only then.
 * Offsets are committed at most once per commit interval (kafkajs's auto-commit would send one
 * OffsetCommit per batch), and on stop. A crash or rebalance redelivers what was handled since
 * the last commit: at-least-once, and every consumer here drops what it has already seen.
 */
function awaitingConsumption(consumer: Consumer, handler: BatchHandler, toMessages: (batch: Batch) => TransportMessage[]): Consumption {
  const resolved = new Map<string, { topic: string; partition: number; offset: string }>();
  return {
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      await handler(toMessages(batch));
      // Only after the handler committed its effects is the batch marked consumed.
      const last = batch.messages[batch.messages.length - 1].offset;
      resolveOffset(last);
      resolved.set(`${batch.topic}/${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() });
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
    // After a rebalance these offsets may be stale: a partition this member lost (or lost and got
    // back) may have been consumed further by another member since. Committing them on stop would
    // move the group back, and every restart would then redeliver (and, before dead letters had
    // fixed ids, dead-letter again) what that member had already done. What was handled but not
    // committed before the rebalance is redelivered instead, which consumers drop.
    rejoined: () => resolved.clear(),
    // What was handled since the last periodic commit (a batch still running: redelivered later).
    stop: () => consumer.commitOffsets([...resolved.values()]),
  };
}

/** The key bytes when given (null: no key), else the text key. */
function keyOf(message: OutgoingMessage): Buffer | string | null {
  return message.keyBytes !== undefined ? message.keyBytes : message.key;
}

/** kafkajs's decoded headers as bytes: a repeated header arrives as an array. */
function headerBytesOf(headers: IHeaders | undefined): Record<string, Buffer[]> {
  const bytes: Record<string, Buffer[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    bytes[name] = (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)));
  }
  return bytes;
}

function assignedPartitions(assignment: Record<string, number[]>): TopicPartition[] {
  return Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
}

/** Errors of a topic whose partitions have no leader yet (kafkajs does not retry them everywhere). */
const LEADER_NOT_YET = /does not host this topic-partition|not the leader|leader not available/i;

/** How often consumers commit the offsets of handled batches. */
const OFFSET_COMMIT_INTERVAL_MS = 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}
