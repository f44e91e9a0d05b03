import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Inbox: the eventId of every consumed message, so a redelivered one is applied only once.
 * Rows older than RETENTION_INBOX_HOURS are deleted (persistence/message-retention.ts).
 */
@Entity({ tableName: 'inbox_message' })
@Index({ name: 'inbox_message_received_at_brin', expression: 'create index "inbox_message_received_at_brin" on "inbox_message" using brin ("received_at")' })
export class InboxMessage {
  @PrimaryKey({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'text' })
  topic!: string;

  /** Hash of the message's payload (payloadHash in src/runtime/processor/inbound-batch.ts); null for dead-letter ids and older rows. */
  @Property({ type: 'text', nullable: true })
  payloadHash?: string | null;

  @Property({ type: 'timestamptz' })
  receivedAt: Date = new Date();
}
