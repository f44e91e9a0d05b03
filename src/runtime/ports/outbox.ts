/**
 * The transactional outbox. The saga store writes outbox rows with each transaction; the relay
 * (messaging/outbox-relay.ts) publishes them through the transport and records where they
 * landed through OutboxStore (persistence/outbox-store.ts).
 */

/** An outbox row as written (id: its outbox_message.id), ready to publish. */
export interface WrittenOutboxMessage {
  id: string;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string> | null;
}

/** A message for the outbox that is not a saga command (dead letters). */
export interface RawOutboxMessage {
  eventId: string;
  topic: string;
  key: string;
  value: string;
  headers?: Record<string, string>;
  sagaId?: string | null;
}

/** Where a published row landed: all that marking it published needs (not the message itself). */
export interface PublishedOutboxRow {
  id: string;
  partition: number;
  offset: string;
}

/** The relay's storage: marking rows published, and claiming the ones nobody published. */
export interface OutboxStore {
  /**
   * Marks rows published with where they landed; a row already marked stays as it is. No lock is
   * held across the send: these rows were published straight from memory after their commit.
   */
  markPublished(rows: PublishedOutboxRow[]): Promise<void>;
  /**
   * The recovery path, in one transaction: claims up to `limit` unpublished rows older than
   * `minAgeMs` in id order, skipping rows another instance holds, keeps them locked while
   * `publish` sends them, marks them with the places it returns, and commits. Returns how many
   * rows it claimed (0: nothing to publish, `publish` not called).
   */
  publishUnclaimed(minAgeMs: number, limit: number, publish: (rows: WrittenOutboxMessage[]) => Promise<PublishedOutboxRow[]>): Promise<number>;
}

/** What the orchestrator drives of the relay: started before consuming, stopped last. */
export interface OutboxPublisher {
  start(): void;
  /** Rows a transaction has just committed: publish them now, from memory. */
  offer(rows: WrittenOutboxMessage[]): void;
  stop(): Promise<void>;
}
