import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** MikroORM options for a database URL; shared by the service, the tests and the CLI. */
export function ormConfig(clientUrl: string, poolSize = 10): Options {
  return defineConfig({
    clientUrl,
    ...socketOptions(clientUrl),
    entities: ENTITIES,
    extensions: [Migrator],
    pool: { min: 1, max: poolSize },
    // Entities declare their column types, so no reflection step is needed at start.
    discovery: { warnWhenNoEntities: true },
    migrations: {
      tableName: 'mikro_orm_migrations',
      // Listed explicitly so compiled and ts-jest runs see the same set; `migration:create`
      // writes new files to pathTs and they are added to migrations/index.ts.
      migrationsList: MIGRATIONS,
      path: 'dist/src/persistence/migrations',
      pathTs: 'src/persistence/migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    debug: false,
  });
}

/**
 * libpq's `?host=/run/postgresql&port=5432` (a Unix socket directory), which MikroORM's URL
 * parsing ignores and node-postgres honours. On one machine a Unix socket costs far less per
 * round trip than TCP over loopback.
 */
function socketOptions(clientUrl: string): Pick<Options, 'host' | 'port'> {
  const params = new URL(clientUrl).searchParams;
  const host = params.get('host');
  const port = params.get('port');
  return { ...(host ? { host } : {}), ...(port ? { port: Number(port) } : {}) };
}

/** Used by the MikroORM CLI (`npm run migration:create`, `npm run migration:check`). */
export default ormConfig(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
