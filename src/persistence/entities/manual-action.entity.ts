import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Every manual action (compensate, retry, skip, abort, resume, start) with its actor, role,
 * reason and the saga's state before it; the client's idempotency key makes a repeated request
 * return the first result instead of acting twice. `outcome` is filled in once it is known.
 */
@Entity({ tableName: 'manual_action' })
@Index({ properties: ['sagaId', 'createdAt'] })
@Index({ properties: ['createdAt'] })
export class ManualAction {
  @PrimaryKey({ type: 'text' })
  idempotencyKey!: string;

  @Property({ type: 'uuid' })
  sagaId!: string;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  actor!: string;

  @Property({ type: 'text' })
  roles!: string;

  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  /** The request's arguments, to tell a retry of the same request from a reused key. */
  @Property({ type: 'json' })
  request!: Record<string, unknown>;

  /** Status, current step and version of the saga just before the action. */
  @Property({ type: 'json', nullable: true })
  stateBefore?: Record<string, unknown> | null;

  @Property({ type: 'json', nullable: true })
  outcome?: Record<string, unknown> | null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
