/**
 * The message transport seen by the runtime, the outbox relay and the participant simulators.
 * Kafka (kafkajs) and the in-process bus both implement it, so the saga core and runtime never
 * import a client library and a successor to kafkajs only needs a new adapter.
 */

/** One message on a topic. `value` is the raw bytes as sent: validation happens at the edge. */
export interface TransportMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** A message to publish. `key` keeps one order on one partition. */
export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
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
  close(): Promise<void>;
}
