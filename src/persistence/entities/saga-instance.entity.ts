import { Entity, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/**
 * One saga. `state` holds the engine's whole SagaState (JSON); the columns beside it are copies
 * of what operators filter and sort by, so lookups use indexes instead of JSON paths.
 */
@Entity({ tableName: 'saga_instance' })
@Index({ properties: ['status', 'createdAt', 'id'] })
@Index({ properties: ['createdAt', 'id'] })
@Index({ properties: ['customerId'] })
@Index({ properties: ['orderId'] })
// One saga per business key of a saga type (Migration20261202110000).
@Unique({ properties: ['type', 'businessKey'] })
@Index({ properties: ['endedAt'] })
// Search by business keys (Migration20261126010000; filterSql in saga-read-repository.ts).
@Index({ properties: ['totalAmount'] })
@Index({ name: 'saga_instance_payment_methods_index', expression: 'create index "saga_instance_payment_methods_index" on "saga_instance" using gin ("payment_methods")' })
@Index({ name: 'saga_instance_failed_step_index', expression: 'create index "saga_instance_failed_step_index" on "saga_instance" ("failed_step", "created_at", "id") where "failed_step" is not null' })
@Index({ name: 'saga_instance_last_error_trgm_index', expression: 'create index "saga_instance_last_error_trgm_index" on "saga_instance" using gin ("last_error" gin_trgm_ops) where "last_error" is not null' })
export class SagaInstance {
  [OptionalProps]?: 'version' | 'eventSeq' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'integer' })
  definitionVersion!: number;

  /**
   * The fingerprint of the definition it started with (core/fingerprint.ts), written once at
   * insert; null for sagas started before fingerprints were recorded.
   */
  @Property({ type: 'text', nullable: true })
  fingerprint?: string | null;

  /** What the saga is about, unique per type (SagaModule's key field, e.g. the order id). */
  @Property({ type: 'text' })
  businessKey!: string;

  /** The order module's search key: its business key, the order id (null for other saga types). */
  @Property({ type: 'uuid', nullable: true })
  orderId?: string | null;

  @Property({ type: 'text', nullable: true })
  customerId?: string | null;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'text', nullable: true })
  currentStep?: string | null;

  /**
   * `json`, not `jsonb`: the state is only ever stored and read whole (never queried inside), and
   * json skips jsonb's parse on every write and its re-serialisation on every read.
   */
  @Property({ type: 'json', columnType: 'json' })
  state!: Record<string, unknown>;

  @Property({ type: 'decimal', precision: 19, scale: 4, nullable: true })
  totalAmount?: string | null;

  @Property({ type: 'decimal', precision: 19, scale: 4, nullable: true })
  finalAmount?: string | null;

  @Property({ type: 'text', nullable: true })
  currency?: string | null;

  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  /** Distinct payment methods of data.payments (src/persistence/search-keys.ts), for `@>` on a GIN index. */
  @Property({ type: 'text[]', nullable: true })
  paymentMethods?: string[] | null;

  /** The forward step whose failure ended the forward phase (failedStep in src/persistence/search-keys.ts). */
  @Property({ type: 'text', nullable: true })
  failedStep?: string | null;

  /** Optimistic lock: every state write checks and bumps it. */
  @Property({ type: 'integer', version: true })
  version: number = 1;

  /** Sequence number of the last event in saga_event for this saga. */
  @Property({ type: 'integer' })
  eventSeq: number = 0;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  endedAt?: Date | null;
}
