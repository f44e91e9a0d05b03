import { Migration } from '@mikro-orm/migrations';

/**
 * inbox_message.payload_hash: a hash of what each consumed eventId carried, stored by the same
 * insert that claims it, so a repeat of an eventId with a different payload is told apart from
 * a plain redelivery (src/runtime/processor/inbound-batch.ts). Null for rows claimed before this column
 * existed and for dead-letter ids: those repeats stay silent.
 */
export class Migration20261201080000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "inbox_message" add column "payload_hash" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "inbox_message" drop column "payload_hash";`);
  }

}
