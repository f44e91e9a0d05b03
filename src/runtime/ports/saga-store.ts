/**
 * The saga store: what the processor needs to apply messages, timers and manual actions inside
 * one transaction. persistence/saga-repository.ts implements it on PostgreSQL; the runtime never
 * sees SQL or MikroORM.
 */
import type { OutboxMessage, SagaEvent, SagaState } from '../../core';
import type { SagaBusinessKey } from '../../messaging/contract';
import type { RawOutboxMessage, WrittenOutboxMessage } from './outbox';

export type { SagaBusinessKey } from '../../messaging/contract';

/** A SagaBusinessKey as one map key (saga types are names, so a newline cannot be part of one). */
export function sagaKeyText(key: SagaBusinessKey): string {
  return `${key.sagaType}\n${key.businessKey}`;
}

export type AnySagaState = SagaState<unknown>;

/** A saga as stored: its state plus the bookkeeping the store checks on write. */
export interface StoredSaga {
  state: AnySagaState;
  /** Optimistic-lock version of the row. */
  version: number;
  /** Sequence number of its last logged event. */
  eventSeq: number;
}

/** One saga's change, written atomically with everything else of its transaction. */
export interface SagaWrite {
  state: AnySagaState;
  /** null: a new saga (insert); else the version read, which the update checks. */
  previousVersion: number | null;
  /** Sequence of the last event already stored; new events continue from here. */
  previousEventSeq: number;
  events: SagaEvent[];
  outbox: OutboxMessage[];
  /** Who caused it: `system`, or the operator of a manual action. */
  actor: string;
  /** Positions of the steps whose row changed; undefined: write every step's row. */
  changedSteps?: number[];
}

export interface InboxEntry {
  eventId: string;
  topic: string;
  /** What the message carried (payloadFingerprint); a repeat with another hash is a conflict, not a duplicate. */
  payloadHash: string;
}

/** A manual action as recorded for idempotency and audit. */
export interface ManualActionRecord {
  idempotencyKey: string;
  sagaId: string;
  action: string;
  actor: string;
  roles: string[];
  reason: string | null;
  request: Record<string, unknown>;
  stateBefore: Record<string, unknown> | null;
}

export interface InboxClaim {
  fresh: Set<string>;
  /** The payload hash stored with each repeated (not fresh) eventId that has one. */
  storedHashes: Map<string, string>;
  locked: Map<string, StoredSaga>;
  /** sagaKeyText(key) -> sagaId for the looked-up keys that have a saga. */
  sagaIdsByKey: Map<string, string>;
}

/** Work inside one database transaction. */
export interface SagaTransaction {
  /**
   * Records consumed eventIds and returns the ones not seen before (the rest are duplicates);
   * in the same round trip, loads and row-locks the given sagas as lockSagas does and looks up
   * the given business keys as sagaIdsByKey does.
   */
  claimInboxAndLock(entries: InboxEntry[], sagaIds: string[], keys: SagaBusinessKey[]): Promise<InboxClaim>;
  /** Loads and row-locks sagas until commit, so one saga's messages apply one at a time. */
  lockSagas(ids: string[]): Promise<Map<string, StoredSaga>>;
  /** sagaKeyText(key) -> sagaId for the keys that have a saga (one per saga type and business key). */
  sagaIdsByKey(keys: SagaBusinessKey[]): Promise<Map<string, string>>;
  /** Locks sagas whose timer is due, skipping ones another instance holds. */
  lockDueTimers(now: Date, limit: number): Promise<StoredSaga[]>;
  /**
   * Writes saga rows, step rows, events and outbox messages; throws on a lost optimistic lock.
   * Returns the outbox rows written, for the relay to publish once the transaction committed.
   */
  write(writes: SagaWrite[]): Promise<WrittenOutboxMessage[]>;
  enqueue(messages: RawOutboxMessage[]): Promise<WrittenOutboxMessage[]>;
  /**
   * Writes dead letters whose eventId (deadLetterId: one per topic, partition and offset) the
   * inbox has not seen, and records them there: a redelivered message's dead letter writes
   * nothing. Returns the rows written.
   */
  enqueueDeadLetters(messages: RawOutboxMessage[]): Promise<WrittenOutboxMessage[]>;
  /**
   * Records a manual action under its idempotency key. Returns null when this call recorded it,
   * or the action recorded earlier under the same key (a concurrent request waits for the first).
   */
  claimManualAction(record: ManualActionRecord): Promise<ManualActionRecord | null>;
}

export interface SagaStore {
  inTransaction<T>(work: (tx: SagaTransaction) => Promise<T>): Promise<T>;
  /** The due time of the earliest timer of any saga (null: none is armed). */
  nextTimerDueAt(): Promise<Date | null>;
}
