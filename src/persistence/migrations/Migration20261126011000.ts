import { Migration } from '@mikro-orm/migrations';

/** Bulk actions on a frozen selection of sagas (bulk_action, bulk_action_item). */
export class Migration20261126011000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "bulk_action" ("id" uuid not null, "action" text not null, "step" text null, "filter" jsonb not null, "status" text not null, "total" int not null, "succeeded" int not null default 0, "failed" int not null default 0, "skipped" int not null default 0, "created_by" text not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "reason" text null, "run_idempotency_key" text null, "started_by" text null, "started_roles" text null, "started_at" timestamptz null, "finished_at" timestamptz null, "lease_owner" text null, "lease_until" timestamptz null, constraint "bulk_action_pkey" primary key ("id"));`);
    this.addSql(`alter table "bulk_action" add constraint "bulk_action_run_idempotency_key_unique" unique ("run_idempotency_key");`);
    this.addSql(`create index "bulk_action_status_lease_until_index" on "bulk_action" ("status", "lease_until");`);

    this.addSql(`create table "bulk_action_item" ("bulk_action_id" uuid not null, "saga_id" uuid not null, "position" int not null, "version_at_preview" int not null, "status" text not null, "code" text null, "message" text null, "seq" int null, "started_at" timestamptz null, "finished_at" timestamptz null, constraint "bulk_action_item_pkey" primary key ("bulk_action_id", "saga_id"));`);
    this.addSql(`create index "bulk_action_item_bulk_action_id_status_position_index" on "bulk_action_item" ("bulk_action_id", "status", "position");`);
    this.addSql(`alter table "bulk_action_item" add constraint "bulk_action_item_bulk_action_id_seq_unique" unique ("bulk_action_id", "seq");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "bulk_action_item" cascade;`);
    this.addSql(`drop table if exists "bulk_action" cascade;`);
  }

}
