import { Migration } from '@mikro-orm/migrations';

/**
 * saga_event_commit: each event-writing transaction's position in commit order, the order of the
 * cross-saga feed (saga-read-repository.ts `feed`). Events stored before it get positions in
 * transaction-id order, the order the feed showed them in until now (cursors of that time name a
 * transaction id and are read as such). Run it while no older release writes events: a
 * transaction of an older release that commits events after it has no commit row, and the feed
 * never shows them.
 */
export class Migration20261202100000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "saga_event_commit" ("position" bigserial primary key, "tx_id" xid8 not null);`);
    this.addSql(`alter table "saga_event_commit" add constraint "saga_event_commit_tx_id_unique" unique ("tx_id");`);
    this.addSql(`insert into "saga_event_commit" ("tx_id") select "tx_id" from "saga_event" group by "tx_id" order by "tx_id";`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "saga_event_commit" cascade;`);
  }

}
