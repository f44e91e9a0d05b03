import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * Every saga definition (name@version) a started instance has registered, with the fingerprint
 * it was last registered with (core/fingerprint.ts). Written at start (app/definitions.ts) once
 * the registered definitions have been checked against the sagas in use.
 */
@Entity({ tableName: 'saga_definition' })
export class SagaDefinitionRecord {
  @PrimaryKey({ type: 'text' })
  name!: string;

  @PrimaryKey({ type: 'integer' })
  version!: number;

  @Property({ type: 'text' })
  fingerprint!: string;

  /** When an instance first registered this name@version. */
  @Property({ type: 'timestamptz' })
  firstRegisteredAt: Date = new Date();

  /** When the fingerprint above was recorded (a change accepted while no saga used the version). */
  @Property({ type: 'timestamptz' })
  fingerprintRecordedAt: Date = new Date();
}
