import { Migration } from '@mikro-orm/migrations';

/**
 * Time indexes for retention (persistence/message-retention.ts): BRIN, not btree, because the
 * inbox and outbox take several rows per saga on the hot path and a BRIN index costs almost
 * nothing to keep (one summary per 128 pages, rows arrive in time order).
 */
export class Migration20261126050000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "inbox_message_received_at_brin" on "inbox_message" using brin ("received_at");`);
    this.addSql(`create index "outbox_message_created_at_brin" on "outbox_message" using brin ("created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "outbox_message_created_at_brin";`);
    this.addSql(`drop index "inbox_message_received_at_brin";`);
  }

}
