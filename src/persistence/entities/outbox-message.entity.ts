import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Transactional outbox: written in the same transaction as the saga change that caused it and
 * published to the broker afterwards by the relay, so a crash in between loses nothing.
 * Published rows older than RETENTION_OUTBOX_HOURS are deleted (persistence/message-retention.ts).
 */
@Entity({ tableName: 'outbox_message' })
@Index({ name: 'outbox_message_unpublished_index', expression: 'create index "outbox_message_unpublished_index" on "outbox_message" ("id") where "published_at" is null' })
@Index({ properties: ['sagaId'] })
@Index({ name: 'outbox_message_created_at_brin', expression: 'create index "outbox_message_created_at_brin" on "outbox_message" using brin ("created_at")' })
export class OutboxMessage {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'text' })
  topic!: string;

  @Property({ type: 'text' })
  key!: string;

  @Property({ type: 'text' })
  value!: string;

  @Property({ type: 'json', nullable: true })
  headers?: Record<string, string> | null;

  @Property({ type: 'uuid', nullable: true })
  sagaId?: string | null;

  @Property({ type: 'text', nullable: true })
  step?: string | null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  publishedAt?: Date | null;

  @Property({ type: 'integer', nullable: true })
  partition?: number | null;

  @Property({ type: 'bigint', nullable: true })
  offset?: string | null;
}
