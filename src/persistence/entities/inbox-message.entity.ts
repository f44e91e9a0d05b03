import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Inbox: the eventId of every consumed message, so a redelivered one is applied only once. */
@Entity({ tableName: 'inbox_message' })
export class InboxMessage {
  @PrimaryKey({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'text' })
  topic!: string;

  @Property({ type: 'timestamptz' })
  receivedAt: Date = new Date();
}
