/** The servers a benchmark run needs: a Kafka broker (scripts/kafka.sh) and a throwaway database. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/persistence/embedded-postgres';
import { findPids } from './procfs';
import { Cleanup, log, ROOT, withTimeout } from './run-support';

function runScript(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'kafka.sh'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`kafka.sh ${args.join(' ')}: timed out after ${timeoutMs} ms`)); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`kafka.sh ${args.join(' ')} exited with ${code}`));
    });
  });
}

export async function startBroker(kafkaPort: number, cleanup: Cleanup): Promise<{ brokers: string; started: boolean }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS, started: false };
  const env = { ...process.env, KAFKA_PORT: String(kafkaPort), KAFKA_CONTROLLER_PORT: String(kafkaPort + 1) };
  log(`starting the local Kafka broker on 127.0.0.1:${kafkaPort} (scripts/kafka.sh)`);
  // Registered first so that a start that half-worked is still stopped (stop is idempotent).
  cleanup.add('stop the Kafka broker', () => runScript(['stop'], env, 40_000), 45_000);
  const out = await runScript(['start'], env, 240_000);
  const line = out.trim().split('\n').pop() ?? '';
  if (!line.startsWith('KAFKA_BROKERS=')) throw new Error(`scripts/kafka.sh start printed no broker address: ${out}`);
  return { brokers: line.slice('KAFKA_BROKERS='.length), started: true };
}

/** The broker JVM serving `brokers` on this machine, for CPU sampling (undefined if remote). */
export function brokerPid(brokers: string): number | undefined {
  const port = brokers.split(',')[0].split(':').pop();
  const candidates = findPids((cmd) => cmd.includes('kafka.Kafka '));
  for (const pid of candidates) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const props = readFileSync(cmd[cmd.length - 1], 'utf8');
      if (props.includes(`PLAINTEXT://127.0.0.1:${port}`) || props.includes(`:${port},`)) return pid;
    } catch {
      // not readable: try the next one
    }
  }
  return candidates.length === 1 ? candidates[0] : undefined;
}

export async function withAdmin<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The run's database: DATABASE_URL's as it is, or a throwaway one on `pgAdminUrl`'s server
 * (BENCH_PG_ADMIN_URL), or, when that is unset, on a private embedded server with default
 * settings, started for this run and removed after it, as the broker is. A shared server may run
 * without autovacuum (this machine's CI server does); then nothing is analyzed or vacuumed during
 * the run, as on no production server.
 */
export async function createDatabase(pgAdminUrl: string | undefined, pgPort: number, cleanup: Cleanup): Promise<{ url: string; name: string | null; serverStarted: boolean }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, name: null, serverStarted: false };
  const adminUrl = pgAdminUrl ?? await startPrivatePostgres(pgPort, cleanup);
  const name = `saga_bench_${randomBytes(6).toString('hex')}`;
  await withTimeout('create database', withAdmin(adminUrl, (c) => c.query(`create database ${name}`)), 30_000);
  cleanup.add(`drop database ${name}`, () => withAdmin(adminUrl, (c) => c.query(`drop database if exists ${name} with (force)`)));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, serverStarted: pgAdminUrl === undefined };
}

/** An embedded PostgreSQL in a fresh directory, stopped and removed by `cleanup`; its admin URL. */
async function startPrivatePostgres(port: number, cleanup: Cleanup): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'saga-bench-pg-'));
  log(`starting a private PostgreSQL on 127.0.0.1:${port} (embedded-postgres, data in ${dir})`);
  let server: EmbeddedDatabase | undefined;
  // Registered first: a start that fails (the port taken, say) leaves no data directory behind.
  cleanup.add('stop the private PostgreSQL', async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  server = await withTimeout('embedded PostgreSQL start', startEmbeddedPostgres(dir, port, pino({ level: 'silent' })), 120_000);
  const url = new URL(server.url);
  url.pathname = '/postgres';
  return url.toString();
}

