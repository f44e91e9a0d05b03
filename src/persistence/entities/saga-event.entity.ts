import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * Append-only log of everything that happened to a saga: transitions, messages in and out and
 * manual actions. `seq` numbers one saga's events without gaps so a client can resume a stream.
 */
@Entity({ tableName: 'saga_event' })
@Unique({ properties: ['sagaId', 'seq'] })
@Index({ properties: ['txId', 'id'] })
export class SagaEvent {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid' })
  sagaId!: string;

  @Property({ type: 'integer' })
  seq!: number;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'text', nullable: true })
  step?: string | null;

  /** `json`: stored and read whole, never queried inside (see Migration20261126020000). */
  @Property({ type: 'json', columnType: 'json' })
  detail!: Record<string, unknown>;

  /** Who did it: `system`, or the operator behind a manual action. */
  @Property({ type: 'text' })
  actor: string = 'system';

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  /**
   * The writing transaction's id: the key of its commit position (saga_event_commit), by which
   * the cross-saga feed is ordered. Also what legacy feed cursors (txId, id) name.
   */
  @Property({ type: 'string', columnType: 'xid8', defaultRaw: 'pg_current_xact_id()' })
  txId?: string;
}
