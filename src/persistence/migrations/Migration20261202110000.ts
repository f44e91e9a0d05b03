import { Migration } from '@mikro-orm/migrations';

/**
 * A saga's business key in general: saga_instance.business_key (the order id for order sagas),
 * unique per saga type, instead of order_id unique for every saga. order_id stays, nullable, as
 * the order module's search key (the API's `orderId` filter and `sagaByOrder`). The stored states
 * name the key `businessKey` now (it was `orderId`).
 */
export class Migration20261202110000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "saga_instance" add column "business_key" text null;`);
    this.addSql(`update "saga_instance" set "business_key" = "order_id"::text;`);
    this.addSql(`alter table "saga_instance" alter column "business_key" set not null;`);
    this.addSql(`alter table "saga_instance" add constraint "saga_instance_type_business_key_unique" unique ("type", "business_key");`);
    this.addSql(`alter table "saga_instance" drop constraint "saga_instance_order_id_unique";`);
    this.addSql(`alter table "saga_instance" alter column "order_id" drop not null;`);
    this.addSql(`create index "saga_instance_order_id_index" on "saga_instance" ("order_id");`);
    this.addSql(`update "saga_instance" set "state" = (("state"::jsonb - 'orderId') || jsonb_build_object('businessKey', "state"::jsonb -> 'orderId'))::json where "state" ->> 'orderId' is not null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`update "saga_instance" set "state" = (("state"::jsonb - 'businessKey') || jsonb_build_object('orderId', "state"::jsonb -> 'businessKey'))::json where "state" ->> 'businessKey' is not null;`);
    this.addSql(`drop index "saga_instance_order_id_index";`);
    this.addSql(`alter table "saga_instance" alter column "order_id" set not null;`);
    this.addSql(`alter table "saga_instance" add constraint "saga_instance_order_id_unique" unique ("order_id");`);
    this.addSql(`alter table "saga_instance" drop constraint "saga_instance_type_business_key_unique";`);
    this.addSql(`alter table "saga_instance" drop column "business_key";`);
  }

}
