import { Migration } from '@mikro-orm/migrations';

/**
 * Definition fingerprints (core/fingerprint.ts): saga_definition records each registered
 * name@version with its fingerprint; saga_instance.fingerprint is the one a saga started with,
 * so a start whose definitions changed under sagas still in use is refused (app/definitions.ts).
 * Sagas started before this have no fingerprint: nothing to compare them with.
 */
export class Migration20261202120000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "saga_definition" ("name" text not null, "version" int not null, "fingerprint" text not null, "first_registered_at" timestamptz not null, "fingerprint_recorded_at" timestamptz not null, constraint "saga_definition_pkey" primary key ("name", "version"));`);
    this.addSql(`alter table "saga_instance" add column "fingerprint" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "saga_instance" drop column "fingerprint";`);
    this.addSql(`drop table if exists "saga_definition" cascade;`);
  }

}
