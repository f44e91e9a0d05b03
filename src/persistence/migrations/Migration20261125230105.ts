import { Migration } from '@mikro-orm/migrations';

export class Migration20261125230105 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "inbox_message" ("event_id" uuid not null, "topic" text not null, "received_at" timestamptz not null, constraint "inbox_message_pkey" primary key ("event_id"));`);

    this.addSql(`create table "outbox_message" ("id" bigserial primary key, "event_id" uuid not null, "topic" text not null, "key" text not null, "value" text not null, "headers" jsonb null, "saga_id" uuid null, "step" text null, "created_at" timestamptz not null, "published_at" timestamptz null, "partition" int null, "offset" bigint null);`);
    this.addSql(`create index "outbox_message_saga_id_index" on "outbox_message" ("saga_id");`);
    this.addSql(`create index "outbox_message_unpublished_index" on "outbox_message" ("id") where "published_at" is null;`);

    this.addSql(`create table "saga_event" ("id" bigserial primary key, "saga_id" uuid not null, "seq" int not null, "type" text not null, "step" text null, "detail" jsonb not null, "actor" text not null default 'system', "created_at" timestamptz not null);`);
    this.addSql(`create index "saga_event_created_at_index" on "saga_event" ("created_at");`);
    this.addSql(`alter table "saga_event" add constraint "saga_event_saga_id_seq_unique" unique ("saga_id", "seq");`);

    this.addSql(`create table "saga_instance" ("id" uuid not null, "type" text not null, "definition_version" int not null, "order_id" uuid not null, "customer_id" text null, "status" text not null, "current_step" text null, "state" jsonb not null, "total_amount" numeric(19,4) null, "final_amount" numeric(19,4) null, "currency" text null, "last_error" text null, "timer_due_at" timestamptz null, "version" int not null default 1, "event_seq" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, "ended_at" timestamptz null, constraint "saga_instance_pkey" primary key ("id"));`);
    this.addSql(`alter table "saga_instance" add constraint "saga_instance_order_id_unique" unique ("order_id");`);
    this.addSql(`create index "saga_instance_timer_due_at_index" on "saga_instance" ("timer_due_at") where "timer_due_at" is not null;`);
    this.addSql(`create index "saga_instance_customer_id_index" on "saga_instance" ("customer_id");`);
    this.addSql(`create index "saga_instance_created_at_id_index" on "saga_instance" ("created_at", "id");`);
    this.addSql(`create index "saga_instance_status_updated_at_index" on "saga_instance" ("status", "updated_at");`);

    this.addSql(`create table "saga_step" ("saga_id" uuid not null, "name" text not null, "position" int not null, "status" text not null, "attempts" int not null default 0, "compensation_attempts" int not null default 0, "last_error" text null, "started_at" timestamptz null, "ended_at" timestamptz null, constraint "saga_step_pkey" primary key ("saga_id", "name"));`);
    this.addSql(`create index "saga_step_name_status_index" on "saga_step" ("name", "status");`);
  }

}
