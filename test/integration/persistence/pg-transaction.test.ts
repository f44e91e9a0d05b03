import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { openEnginePool } from '../../../src/persistence/database';
import { inPgTransaction } from '../../../src/persistence/pg-transaction';
import { createTestDatabase, type TestDatabase } from '../../helpers/services';

/** The engine's pool and its transactions on the real database, with connections that die. */
describe('inPgTransaction on the engine pool', () => {
  let db: TestDatabase;
  let admin: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query('create table t (n int)');
  });
  afterAll(async () => {
    await admin.end();
    await db.drop();
  });

  const terminate = (pid: number) => admin.query('select pg_terminate_backend($1)', [pid]);
  const count = async () => Number((await admin.query('select count(*) as n from t')).rows[0].n);

  it('commits what returns and rolls back what throws', async () => {
    const pool = openEnginePool(db.url, 1, (error) => { throw error; });
    try {
      await inPgTransaction(pool, (tx) => tx.query('insert into t values (?)', [1]));
      await expect(inPgTransaction(pool, async (tx) => {
        await tx.query('insert into t values (?)', [2]);
        throw new Error('changed our mind');
      })).rejects.toThrow('changed our mind');
      expect(await count()).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('hands a connection that died mid-transaction back as broken, and the next transaction gets a new one', async () => {
    const pool = openEnginePool(db.url, 1, (error) => { throw error; });
    try {
      await expect(inPgTransaction(pool, async (tx) => {
        const [{ pid }] = await tx.query<{ pid: number }>('select pg_backend_pid() as pid');
        await terminate(pid);
        await tx.query('insert into t values (?)', [3]);
      })).rejects.toThrow();
      const [{ pid }] = await inPgTransaction(pool, (tx) => tx.query<{ pid: number }>('select pg_backend_pid() as pid'));
      expect(typeof pid).toBe('number');
      expect(pool.totalCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('reports an idle connection that died, and replaces it', async () => {
    const idleErrors: Error[] = [];
    const pool = openEnginePool(db.url, 1, (error) => idleErrors.push(error));
    try {
      const { rows: [{ pid }] } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
      await terminate(pid);
      while (idleErrors.length === 0) await sleep(10);
      const { rows: [again] } = await pool.query<{ pid: number }>('select pg_backend_pid() as pid');
      expect(again.pid).not.toBe(pid);
    } finally {
      await pool.end();
    }
  });
});
