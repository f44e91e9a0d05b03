import { Migration } from '@mikro-orm/migrations';

/**
 * Writes that PostgreSQL can do as HOT updates (heap-only: no index entries for the new row
 * version). A saga row is rewritten on every reply; while any indexed column changes, each
 * rewrite adds an entry to every index on the table. So:
 * - the durable timer (re-armed by almost every transition) moves to its own narrow table;
 * - status lookups sort by created_at (which never changes) instead of updated_at;
 * - saga_step loses its (name, status) index (the failing-step search uses saga_instance.failed_step);
 * - saga_event loses its created_at index (no query reads events by time alone);
 * - free space on each page (fillfactor) leaves room for the next version of a row (70 % for
 *   saga_instance: two ~2.5 KB rows a page and room for their next versions);
 * - the saga state (a few KB of JSON) and each event's detail are `json`, not `jsonb`: they are
 *   written whole and read whole, never queried inside, and json skips a parse on every write and
 *   a re-serialisation on every read; the state is compressed with lz4, several times faster than
 *   the default pglz, where the server is built with it.
 */
export class Migration20261126020000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "saga_timer" ("saga_id" uuid not null, "due_at" timestamptz not null, constraint "saga_timer_pkey" primary key ("saga_id"));`);
    this.addSql(`create index "saga_timer_due_at_index" on "saga_timer" ("due_at");`);
    this.addSql(`insert into "saga_timer" ("saga_id", "due_at") select "id", "timer_due_at" from "saga_instance" where "timer_due_at" is not null;`);
    this.addSql(`drop index "saga_instance_timer_due_at_index";`);
    this.addSql(`alter table "saga_instance" drop column "timer_due_at";`);

    this.addSql(`drop index "saga_instance_status_updated_at_index";`);
    this.addSql(`create index "saga_instance_status_created_at_id_index" on "saga_instance" ("status", "created_at", "id");`);
    this.addSql(`drop index "saga_step_name_status_index";`);
    this.addSql(`drop index "saga_event_created_at_index";`);

    this.addSql(`alter table "saga_instance" set (fillfactor = 70);`);
    this.addSql(`alter table "saga_step" set (fillfactor = 60);`);
    this.addSql(`alter table "saga_timer" set (fillfactor = 70);`);
    this.addSql(`alter table "saga_instance" alter column "state" type json using "state"::json;`);
    this.addSql(`alter table "saga_event" alter column "detail" type json using "detail"::json;`);
    this.addSql(`do $$ begin alter table "saga_instance" alter column "state" set compression lz4; exception when feature_not_supported then null; end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "saga_instance" alter column "state" set compression default;`);
    this.addSql(`alter table "saga_instance" alter column "state" type jsonb using "state"::jsonb;`);
    this.addSql(`alter table "saga_event" alter column "detail" type jsonb using "detail"::jsonb;`);
    this.addSql(`alter table "saga_instance" reset (fillfactor);`);
    this.addSql(`alter table "saga_step" reset (fillfactor);`);
    this.addSql(`create index "saga_event_created_at_index" on "saga_event" ("created_at");`);
    this.addSql(`create index "saga_step_name_status_index" on "saga_step" ("name", "status");`);
    this.addSql(`drop index "saga_instance_status_created_at_id_index";`);
    this.addSql(`create index "saga_instance_status_updated_at_index" on "saga_instance" ("status", "updated_at");`);
    this.addSql(`alter table "saga_instance" add column "timer_due_at" timestamptz null;`);
    this.addSql(`update "saga_instance" s set "timer_due_at" = t."due_at" from "saga_timer" t where t."saga_id" = s."id";`);
    this.addSql(`create index "saga_instance_timer_due_at_index" on "saga_instance" ("timer_due_at") where "timer_due_at" is not null;`);
    this.addSql(`drop table "saga_timer";`);
  }

}
