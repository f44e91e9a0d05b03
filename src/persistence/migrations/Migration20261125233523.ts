import { Migration } from '@mikro-orm/migrations';

export class Migration20261125233523 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create index "saga_instance_ended_at_index" on "saga_instance" ("ended_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "saga_instance_ended_at_index";`);
  }

}
