/**
 * The message transport seen by the runtime, the outbox relay and the participant simulators.
 * Kafka (messaging/kafka-transport.ts) and the in-process bus both implement it, so the saga core
 * and runtime never import a client library and a successor to kafkajs only needs a new adapter.
 */

/**
 * One message on a topic. `value`, `keyBytes` and `headerBytes` are the raw bytes as sent
 * (validation happens at the edge, and a dead letter keeps them exactly); `key` and `headers`
 * are their UTF-8 text views for the code that routes by them.
 */
export interface TransportMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  keyBytes: Buffer | null;
  value: Buffer | null;
  /** Text view: each header's (last) value as UTF-8. */
  headers: Record<string, string>;
  /** Each header's values as received (Kafka allows a header name more than once). */
  headerBytes: Record<string, Buffer[]>;
}

/** A message to publish. `key` keeps one order on one partition. */
export interface OutgoingMessage {
  topic: string;
  key: string;
  /** The key as bytes, when they are not plain text (a dead letter keeps the original key's); overrides `key`. */
  keyBytes?: Buffer | null;
  value: string;
  headers?: Record<string, string>;
}

/** A received message with text views built from its bytes (transports use it). */
export function receivedMessage(
  topic: string, partition: number, offset: string, keyBytes: Buffer | null, value: Buffer | null,
  headerBytes: Record<string, Buffer[]>,
): TransportMessage {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(headerBytes)) headers[name] = values.length ? values[values.length - 1].toString('utf8') : '';
  return { topic, partition, offset, key: keyBytes?.toString('utf8') ?? null, keyBytes, value, headers, headerBytes };
}

/** Where a published message landed; used for per-step transport diagnostics. */
export interface PublishReceipt {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Handles one batch from one topic-partition, in offset order. The transport commits the
 * offsets only after the handler resolves; if it throws, the batch is delivered again.
 */
export type BatchHandler = (messages: TransportMessage[]) => Promise<void>;

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  /** Read topics from the beginning when the group has no committed offset. */
  fromBeginning?: boolean;
  /** Called with the partitions this member holds after each (re)join of its group. */
  onAssigned?(partitions: TopicPartition[]): void;
  /**
   * Batches the transport may hold for the handler at once (default 1: it fetches again only
   * once the handler returned). Above 1 it fetches on while earlier batches are handled; the
   * handler then gets calls for several partitions at once, still one batch at a time and in
   * offset order per partition. Transports that do not fetch ignore it.
   */
  batchesInFlight?: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface Subscription {
  stop(): Promise<void>;
}

export interface MessageTransport {
  /** Publishes in order; resolves once the broker acknowledged every message. */
  publish(messages: OutgoingMessage[]): Promise<PublishReceipt[]>;
  subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription>;
  /** Creates topics that do not exist yet (no-op where topics are implicit). */
  ensureTopics(topics: string[]): Promise<void>;
  /** True when the broker answers; used by GET /ready. */
  isHealthy(): Promise<boolean>;
  /**
   * The group's committed offsets (the next offset to read), keyed `topic/partition`, for the
   * partitions that have one; GET /ready uses them to tell a partition that failed here from one
   * the group has consumed past since. Optional: transports without groups leave it out.
   */
  committedOffsets?(groupId: string, topics: string[]): Promise<Map<string, bigint>>;
  close(): Promise<void>;
}
