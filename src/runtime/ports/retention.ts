/** Retention of the inbox and outbox: persistence/message-retention.ts deletes, runtime/retention-pruner.ts schedules. */

/** Where retention prunes: rows older than these go; null keeps that table's rows. */
export interface RetentionCutoffs {
  /** Inbox rows received before this. */
  inboxBefore: Date | null;
  /** Published outbox rows created before this (unpublished ones are still owed to the broker). */
  outboxBefore: Date | null;
}

/** Rows a prune deleted, per table. */
export interface Pruned {
  inbox: number;
  outbox: number;
}

export interface MessageRetentionStore {
  prune(cutoffs: RetentionCutoffs): Promise<Pruned>;
}
