import { Migration } from '@mikro-orm/migrations';

export class Migration20261126000710 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "saga_event" add column "tx_id" xid8 not null default pg_current_xact_id();`);
    this.addSql(`create index "saga_event_tx_id_id_index" on "saga_event" ("tx_id", "id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "saga_event_tx_id_id_index";`);
    this.addSql(`alter table "saga_event" drop column "tx_id";`);
  }

}
