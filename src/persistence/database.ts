import { MikroORM } from '@mikro-orm/postgresql';
import { Pool } from 'pg';
import { ormConfig } from './mikro-orm.config';

/**
 * MikroORM on its own pool, with pending migrations applied, so a fresh database is ready when
 * this returns. The cold paths (bulk actions, retention, migrations) use its EntityManager.
 */
export async function openDatabase(url: string, poolSize?: number): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(url, poolSize));
  try {
    await orm.getMigrator().up();
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  return orm;
}

/**
 * The saga engine's pool: plain node-postgres connections for the hand-written SQL of the hot
 * path (persistence/pg-transaction.ts), which needs a connection of its own for a whole
 * transaction and per-connection prepared statements, neither of which MikroORM's pool hands out.
 * `onIdleError` hears of a pooled connection that broke while idle (the pool drops it); without
 * a listener node-postgres would throw it in the process.
 */
export function openEnginePool(url: string, poolSize: number, onIdleError: (error: Error) => void): Pool {
  const pool = new Pool({
    connectionString: url,
    max: poolSize,
    min: 1,
    // Kept a while when idle: each connection holds its prepared statements.
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', onIdleError);
  return pool;
}

/**
 * A second, small pool for GraphQL reads, so no query load can take the connections the saga
 * engine needs; PostgreSQL cancels any statement on it that runs longer than statementTimeoutMs.
 * No migrations: openDatabase ran them.
 */
export async function openReadPool(url: string, poolSize: number, statementTimeoutMs: number): Promise<MikroORM> {
  const config = ormConfig(url, poolSize);
  return MikroORM.init({ ...config, pool: { min: 0, max: poolSize }, driverOptions: { connection: { statement_timeout: statementTimeoutMs } } });
}

/** True when the database answers a trivial query on the engine's pool; used by GET /ready. */
export async function isDatabaseHealthy(pool: Pool): Promise<boolean> {
  try {
    await pool.query('select 1');
    return true;
  } catch {
    return false;
  }
}
