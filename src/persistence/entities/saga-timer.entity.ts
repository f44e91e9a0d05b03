import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A saga's next durable timer (step timeout or retry back-off); the timer poller scans the
 * due_at index. Its own narrow table because almost every transition re-arms it: kept in
 * saga_instance, it would make every saga rewrite touch all of that table's indexes.
 */
@Entity({ tableName: 'saga_timer' })
@Index({ properties: ['dueAt'] })
export class SagaTimer {
  @PrimaryKey({ type: 'uuid' })
  sagaId!: string;

  @Property({ type: 'timestamptz' })
  dueAt!: Date;
}
