import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One row per transaction that wrote saga events, numbered in COMMIT order: the order of the
 * cross-saga feed. A transaction id is handed out at a transaction's first write, not at its
 * commit, so two overlapping transactions of one saga can commit in the other order than their
 * ids; `position` is taken under one advisory lock held until commit (saga-repository.ts,
 * EVENT_COMMIT_LOCK), so positions follow commits and a visible position means every lower one
 * is committed or rolled back.
 */
@Entity({ tableName: 'saga_event_commit' })
export class SagaEventCommit {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  position!: string;

  /** The transaction, as saga_event.tx_id. */
  @Property({ type: 'string', columnType: 'xid8', unique: true })
  txId!: string;
}
