/**
 * The read side: what GraphQL and bulk actions read, never inside a saga transaction.
 * persistence/saga-read-repository.ts implements it (one SQL statement per call, on the read pool).
 */
import type { AnySagaState } from './saga-store';

/** A saga as the read side sees it: the state plus its row bookkeeping. */
export interface SagaRecord {
  state: AnySagaState;
  version: number;
  eventSeq: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SagaEventRecord {
  sagaId: string;
  seq: number;
  type: string;
  step: string | null;
  detail: Record<string, unknown>;
  actor: string;
  createdAt: Date;
  /**
   * The writing transaction's commit position (FeedPosition.commit), where a read returns it
   * (eventsBetween); null for an event whose transaction has no commit row.
   */
  commit?: string | null;
}

/** What `sagas(filter)` narrows by; every condition maps to an indexed column of saga_instance. */
export interface SagaListFilter {
  statuses?: string[] | null;
  type?: string | null;
  orderId?: string | null;
  /** business_key = businessKey (unique with type). */
  businessKey?: string | null;
  customerId?: string | null;
  /** created_at >= startedAfter */
  startedAfter?: Date | null;
  /** created_at < startedBefore */
  startedBefore?: Date | null;
  /** Not terminal (RUNNING or COMPENSATING) and updated_at older than this instant. */
  noProgressSince?: Date | null;
  /** Some payment part uses this method: payment_methods @> {method} (GIN). */
  paymentMethod?: string | null;
  /** total_amount >= minAmount, a decimal string (btree on total_amount). */
  minAmount?: string | null;
  /** total_amount <= maxAmount, a decimal string. */
  maxAmount?: string | null;
  /** failed_step = failedStep: the forward step whose failure ended the forward phase (see search-keys.ts). */
  failedStep?: string | null;
  /** last_error contains this text, case-insensitively (pg_trgm GIN; 3 characters or more to use it). */
  lastErrorText?: string | null;
}

/** Keyset position: the (created_at, id) of the last row of the previous page. */
export interface SagaKey {
  /** created_at exactly as stored, ISO 8601 in UTC with microseconds. */
  createdAt: string;
  id: string;
}

export interface SagaPage {
  records: Array<SagaRecord & { key: SagaKey }>;
  hasNextPage: boolean;
}

export interface SagaStatsRow {
  byStatus: { status: string; count: number }[];
  inFlight: number;
  endedInWindow: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface OutboxLocation {
  eventId: string;
  topic: string;
  partition: number | null;
  offset: string | null;
  publishedAt: Date | null;
}

/**
 * A position in the cross-saga feed: the writing transaction's commit position (its place in
 * commit order), then the event's row id.
 */
export interface FeedPosition {
  commit: string;
  id: string;
}

/** PostgreSQL bigint's largest value: the bound of every position and row id. */
export const MAX_BIGINT = 9223372036854775807n;

/** The position after every event of commit position `commit` (a row id past every other). */
export function afterCommit(commit: string | bigint): FeedPosition {
  return { commit: String(commit), id: MAX_BIGINT.toString() };
}

/** A position as cursors gave it before commit positions: the writing transaction's id, then the row id. */
export interface LegacyFeedPosition {
  txId: string;
  id: string;
}

export interface FeedFilter {
  sagaId?: string;
  sagaType?: string;
  eventTypes?: string[];
  step?: string;
  sagaStatuses?: string[];
  /** Only events of a step (step not null). */
  stepsOnly?: boolean;
}

export interface FeedEventRecord extends SagaEventRecord {
  position: FeedPosition;
  sagaType: string;
  sagaStatus: string;
}

/** Saga reads. Ids that are not UUIDs find nothing. */
export interface SagaReads {
  findById(id: string): Promise<SagaRecord | null>;
  findByOrderId(orderId: string): Promise<SagaRecord | null>;
  findManyByIds(ids: string[]): Promise<SagaRecord[]>;
  /** One page, newest first by (created_at desc, id desc), after a keyset position. */
  list(filter: SagaListFilter, limit: number, after: SagaKey | null): Promise<SagaPage>;
  /** How many sagas match the filter. */
  count(filter: SagaListFilter): Promise<number>;
  /** Counts per status of sagas started since `since`, in flight now, and durations of those ended since. */
  stats(since: Date): Promise<SagaStatsRow>;
  /** Event logs of several sagas (after a sequence number, oldest first). */
  eventsOf(sagaIds: string[], afterSeq?: number, limitPerSaga?: number): Promise<Map<string, SagaEventRecord[]>>;
  /** The cross-saga event feed after a position, in commit order (so each saga's in sequence order). */
  feed(after: FeedPosition | LegacyFeedPosition | null, filter: FeedFilter, limit: number): Promise<FeedEventRecord[]>;
  /** The feed's end now: a position after every event committed so far. */
  feedHead(): Promise<FeedPosition>;
  /** Per saga: where the latest copy of each outbox message went, by eventId. */
  outboxLocations(sagaIds: string[]): Promise<Map<string, Map<string, OutboxLocation>>>;
  /** One saga's events with sequence in (afterSeq, toSeq]: what a change notice announced. */
  eventsBetween(sagaId: string, afterSeq: number, toSeq: number): Promise<SagaEventRecord[]>;
}
