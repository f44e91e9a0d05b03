import type { MikroORM } from '@mikro-orm/postgresql';
import type { Pool } from 'pg';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { openDatabase, openEnginePool } from '../persistence/database';
import { startEmbeddedPostgres } from '../persistence/embedded-postgres';
import type { Cleanups } from './cleanups';

export interface Database {
  url: string;
  /** The saga engine's hot path (transactions, timers, the outbox relay): node-postgres, SQL only. */
  pool: Pool;
  /** MikroORM (migrated): the entities, and the EntityManager of the cold paths (bulk actions, retention). */
  orm: MikroORM;
  /** True when this process runs its own PostgreSQL (no DATABASE_URL). */
  embedded: boolean;
}

/** The configured PostgreSQL, or an embedded one when none is configured; migrated before it is returned. */
export async function openConfiguredDatabase(config: Config, logger: Logger, cleanups: Cleanups): Promise<Database> {
  let url = config.database.url;
  if (!url) {
    const embedded = await startEmbeddedPostgres(config.database.embeddedDir, config.database.embeddedPort, logger);
    cleanups.add('embedded PostgreSQL', () => embedded.stop());
    url = embedded.url;
    logger.info({ dir: config.database.embeddedDir, port: config.database.embeddedPort }, 'embedded PostgreSQL started');
  }
  const orm = await openDatabase(url, config.database.ormPoolSize);
  cleanups.add('ORM pool', () => orm.close(true));
  const pool = openEnginePool(url, config.database.poolSize, (error) => logger.warn({ err: error }, 'an idle database connection of the engine pool broke; it is replaced'));
  cleanups.add('engine pool', () => pool.end());
  return { url, pool, orm, embedded: !config.database.url };
}
