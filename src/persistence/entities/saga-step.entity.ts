import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One step of one saga, as the engine last left it; rewritten with the saga in one transaction. */
@Entity({ tableName: 'saga_step' })
export class SagaStep {
  @PrimaryKey({ type: 'uuid' })
  sagaId!: string;

  @PrimaryKey({ type: 'text' })
  name!: string;

  @Property({ type: 'integer' })
  position!: number;

  /** PENDING, RUNNING, SUCCEEDED, FAILED, COMPENSATING, COMPENSATED or SKIPPED. */
  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'integer' })
  attempts: number = 0;

  @Property({ type: 'integer' })
  compensationAttempts: number = 0;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  endedAt?: Date | null;
}
