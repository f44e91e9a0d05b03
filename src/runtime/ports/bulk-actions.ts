/**
 * Bulk actions on a frozen selection: what runtime/bulk-actions.ts stores and reads through
 * BulkActionStore (persistence/bulk-action-repository.ts), and the progress notices every
 * instance hears (persistence/bulk-progress-listener.ts).
 */

export type BulkItemStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

export interface BulkActionRecord {
  id: string;
  action: string;
  step: string | null;
  filter: Record<string, unknown>;
  /** PREVIEWED, RUNNING or FINISHED. */
  status: string;
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  reason: string | null;
  runIdempotencyKey: string | null;
  startedBy: string | null;
  startedRoles: string[];
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface BulkActionItemRecord {
  sagaId: string;
  position: number;
  versionAtPreview: number;
  status: BulkItemStatus;
  code: string | null;
  message: string | null;
  seq: number | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface BulkItemOutcome {
  status: Exclude<BulkItemStatus, 'PENDING'>;
  code: string | null;
  message: string | null;
  startedAt: Date;
  finishedAt: Date;
}

/** A bulk action has news: an item's outcome was recorded (its seq), or the action finished (seq 0). */
export interface BulkProgressNotice {
  bulkActionId: string;
  itemSeq: number;
  kind: 'ITEM' | 'SUMMARY';
}

/** Storage of bulk actions and their items, leases included; every write that records progress also announces it. */
export interface BulkActionStore {
  /** Stores a previewed selection: the action row and one PENDING item per saga, in order. */
  createPreview(p: {
    id: string; action: string; step: string | null; filter: Record<string, unknown>; createdBy: string; expiresAt: Date;
    items: { sagaId: string; version: number }[];
  }): Promise<void>;
  find(id: string): Promise<BulkActionRecord | null>;
  findByRunKey(key: string): Promise<BulkActionRecord | null>;
  /**
   * PREVIEWED and not expired -> RUNNING, leased to `owner`; null when it was not in that state.
   * A key already used by another bulk action fails with code 23505 (unique violation).
   */
  start(id: string, run: { reason: string; idempotencyKey: string; actor: string; roles: string[]; owner: string; leaseMs: number }): Promise<BulkActionRecord | null>;
  /** Takes over one RUNNING bulk action whose lease ran out; instances polling at once take different ones. */
  claimExpiredLease(owner: string, leaseMs: number): Promise<string | null>;
  /** Extends our lease; false when another instance holds it now. */
  renewLease(id: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Lets another instance continue at once (graceful stop). */
  releaseLease(id: string, owner: string): Promise<void>;
  /** PENDING items after a position, in selection order. */
  pendingItems(id: string, afterPosition: number, limit: number): Promise<{ sagaId: string; position: number }[]>;
  /** Records one item's outcome; returns its seq, or null when the item was already recorded. */
  recordItem(id: string, sagaId: string, outcome: BulkItemOutcome): Promise<number | null>;
  /** RUNNING -> FINISHED once no item is PENDING; false while items remain. */
  finish(id: string): Promise<boolean>;
  /** Recorded items with seq > afterSeq, in the order they were recorded. */
  itemsAfterSeq(id: string, afterSeq: number, limit: number): Promise<BulkActionItemRecord[]>;
  /** Items in selection order, optionally only some statuses, after a position. */
  items(id: string, statuses: string[] | null, afterPosition: number, limit: number): Promise<BulkActionItemRecord[]>;
}
