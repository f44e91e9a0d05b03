import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig } from './mikro-orm.config';

/** Connects and applies pending migrations, so a fresh database is ready when this returns. */
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
 * A second, small pool for GraphQL reads, so no query load can take the connections the saga
 * engine needs; PostgreSQL cancels any statement on it that runs longer than statementTimeoutMs.
 * No migrations: openDatabase ran them.
 */
export async function openReadPool(url: string, poolSize: number, statementTimeoutMs: number): Promise<MikroORM> {
  const config = ormConfig(url, poolSize);
  return MikroORM.init({ ...config, pool: { min: 0, max: poolSize }, driverOptions: { connection: { statement_timeout: statementTimeoutMs } } });
}

/** True when the database answers a trivial query; used by GET /ready. */
export async function isDatabaseHealthy(orm: MikroORM): Promise<boolean> {
  try {
    await orm.em.getConnection().execute('select 1');
    return true;
  } catch {
    return false;
  }
}
