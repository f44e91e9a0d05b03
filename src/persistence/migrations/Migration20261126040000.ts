import { Migration } from '@mikro-orm/migrations';

/**
 * Half of each saga_instance page is left free (fillfactor 50, was 70). A saga row is about
 * 2 KB (mostly its state), and it is rewritten on every reply; at 70 % a page kept room for one
 * new version only, so the next rewrite often had to go to another page and add an entry to all
 * ten indexes of the table (not a HOT update). More sagas per second and less PostgreSQL CPU per
 * saga for a larger heap, measured with `npm run bench` (the figures are in README, Benchmarks:
 * "What changed"). Pages written before this keep their old fill.
 */
export class Migration20261126040000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "saga_instance" set (fillfactor = 50);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "saga_instance" set (fillfactor = 70);`);
  }

}
