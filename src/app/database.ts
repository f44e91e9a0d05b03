import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { openDatabase } from '../persistence/database';
import { startEmbeddedPostgres } from '../persistence/embedded-postgres';
import type { Cleanups } from './cleanups';

export interface Database {
  url: string;
  /** The saga engine's pool (migrated). */
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
  const orm = await openDatabase(url, config.database.poolSize);
  cleanups.add('database pool', () => orm.close(true));
  return { url, orm, embedded: !config.database.url };
}
