import { MikroORM } from '@mikro-orm/postgresql';
import { openDatabase } from '../../../src/persistence/database';
import { ormConfig } from '../../../src/persistence/mikro-orm.config';
import { createTestDatabase, type TestDatabase } from '../../helpers/services';

describe('migrations on a fresh database', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(() => db.drop());

  it('apply on start and leave no schema difference to the entities', async () => {
    const orm = await openDatabase(db.url);
    try {
      const migrator = orm.getMigrator();
      expect(await migrator.getPendingMigrations()).toEqual([]);
      expect((await migrator.getExecutedMigrations()).length).toBeGreaterThan(0);
      // The same check as `npm run migration:check`: entities and database agree.
      expect(await migrator.checkMigrationNeeded()).toBe(false);
      const tables = await orm.em.getConnection().execute<{ table_name: string }[]>(
        "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
      );
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining([
        'inbox_message', 'outbox_message', 'saga_event', 'saga_instance', 'saga_step',
      ]));
    } finally {
      await orm.close(true);
    }
  });

  it('leave the database exactly as the entities declare it: the schema generator has nothing to change', async () => {
    const orm = await openDatabase(db.url);
    try {
      // Columns, types, nullability, defaults, indexes, unique constraints and tables alike:
      // with `safe: false` and `dropTables` an extra column or table would show up as a drop.
      const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close(true);
    }
  });

  it('is a no-op the second time', async () => {
    const orm = await openDatabase(db.url);
    try {
      expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
    } finally {
      await orm.close(true);
    }
  });
});

describe('the commit-position migration on a database with events', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(() => db.drop());

  it('gives the transactions of events stored before it positions in transaction-id order', async () => {
    const orm = await MikroORM.init(ormConfig(db.url, 2));
    try {
      await orm.getMigrator().up({ to: 'Migration20261201080000' });
      const conn = orm.em.getConnection();
      const event = (seq: number) => `insert into saga_event (saga_id, seq, type, detail, actor, created_at)
        values ('00000000-0000-4000-8000-000000000001', ${seq}, 'STEP_STARTED', '{}', 'system', now())`;
      // Three transactions, the second writing two events.
      await conn.execute(event(1));
      await conn.execute(`begin; ${event(2)}; ${event(3)}; commit;`);
      await conn.execute(event(4));
      await orm.getMigrator().up();
      const rows = await conn.execute<{ seq: number; position: string }[]>(
        'select e.seq, c.position::text as position from saga_event e join saga_event_commit c on c.tx_id = e.tx_id order by c.position, e.id',
      );
      expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      expect(new Set(rows.map((r) => r.position)).size).toBe(3);
      expect(rows[1].position).toBe(rows[2].position);
    } finally {
      await orm.close(true);
    }
  });
});
