import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * A bulk action on a frozen selection of sagas: previewBulkAction stores the selection (PREVIEWED,
 * until expiresAt), runBulkAction starts it (RUNNING) and the instance holding the lease works
 * through its items; FINISHED once none is PENDING. The lease (leaseOwner, leaseUntil) lets
 * another instance continue a run whose instance died.
 */
@Entity({ tableName: 'bulk_action' })
@Index({ properties: ['status', 'leaseUntil'] })
export class BulkAction {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  /** compensate, abort, resume, retryStep or resendCommand. */
  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text', nullable: true })
  step?: string | null;

  /** The `sagas` filter the selection was made with (for the record). */
  @Property({ type: 'json' })
  filter!: Record<string, unknown>;

  /** PREVIEWED, RUNNING or FINISHED. */
  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'integer' })
  total!: number;

  @Property({ type: 'integer' })
  succeeded: number = 0;

  @Property({ type: 'integer' })
  failed: number = 0;

  @Property({ type: 'integer' })
  skipped: number = 0;

  @Property({ type: 'text' })
  createdBy!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  /** The runBulkAction request's idempotency key. */
  @Property({ type: 'text', nullable: true, unique: true })
  runIdempotencyKey?: string | null;

  /** Who ran it; the per-saga actions are taken as this actor with these roles. */
  @Property({ type: 'text', nullable: true })
  startedBy?: string | null;

  @Property({ type: 'text', nullable: true })
  startedRoles?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  leaseOwner?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  leaseUntil?: Date | null;
}

/**
 * One saga of a bulk action's selection, with its version at preview time and the outcome:
 * PENDING, then SUCCEEDED, FAILED (with the refusal's code) or SKIPPED. `seq` numbers the
 * outcomes of one bulk action in the order they were recorded, for a resumable progress stream.
 */
@Entity({ tableName: 'bulk_action_item' })
@Index({ properties: ['bulkActionId', 'status', 'position'] })
@Unique({ properties: ['bulkActionId', 'seq'] })
export class BulkActionItem {
  @PrimaryKey({ type: 'uuid' })
  bulkActionId!: string;

  @PrimaryKey({ type: 'uuid' })
  sagaId!: string;

  @Property({ type: 'integer' })
  position!: number;

  @Property({ type: 'integer' })
  versionAtPreview!: number;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'text', nullable: true })
  code?: string | null;

  @Property({ type: 'text', nullable: true })
  message?: string | null;

  @Property({ type: 'integer', nullable: true })
  seq?: number | null;

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  finishedAt?: Date | null;
}
