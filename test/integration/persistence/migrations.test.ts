import { openDatabase } from '../../../src/persistence/database';
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
