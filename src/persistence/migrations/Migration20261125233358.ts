import { Migration } from '@mikro-orm/migrations';

export class Migration20261125233358 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "manual_action" ("idempotency_key" text not null, "saga_id" uuid not null, "action" text not null, "actor" text not null, "roles" text not null, "reason" text null, "request" jsonb not null, "state_before" jsonb null, "outcome" jsonb null, "created_at" timestamptz not null, constraint "manual_action_pkey" primary key ("idempotency_key"));`);
    this.addSql(`create index "manual_action_created_at_index" on "manual_action" ("created_at");`);
    this.addSql(`create index "manual_action_saga_id_created_at_index" on "manual_action" ("saga_id", "created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "manual_action" cascade;`);
  }

}
