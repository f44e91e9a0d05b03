import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { TestDatabase } from './services';
import { freePort } from './ports';

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? process.env.FAULTS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL cluster of the test's own (never the shared one), on a free port in a temporary
 * directory, that the test may stop, crash and start again to play an outage (the streams tests
 * and the fault suite). Runs as the `postgres` system user when the tests run as root
 * (PostgreSQL refuses root).
 */
export class OwnPostgres {
  private constructor(private readonly dir: string, readonly port: number, private readonly user: { uid?: number; gid?: number }) {}

  static async start(): Promise<OwnPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'saga-own-pg-'));
    const user: { uid?: number; gid?: number } = process.getuid?.() === 0 ? await postgresUser() : {};
    if (user.uid !== undefined) chownSync(dir, user.uid, user.gid!);
    const own = new OwnPostgres(dir, await freePort(), user);
    await own.pgCommand('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    await own.resume();
    return own;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** The cluster's own database as a TestDatabase (dropping it destroys the cluster). */
  get database(): TestDatabase {
    return { url: this.url, drop: () => this.destroy() };
  }

  /** Stops the server: `fast` terminates every connection; `immediate` is a crash (recovery from WAL on the next start). */
  async pause(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pgCommand('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '60', 'stop']);
  }

  /** Starts the server again on the same data and port, and checks that it answers. */
  async resume(): Promise<void> {
    // fsync off: the tests kill processes, not the machine; the page cache survives them.
    await this.pgCommand('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-t', '60', '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
    const client = new Client({ connectionString: this.url });
    try {
      await client.connect();
      await client.query('select 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** A crash and an immediate start. */
  async restart(): Promise<void> {
    await this.pause('immediate');
    await this.resume();
  }

  async running(): Promise<boolean> {
    return this.pgCommand('pg_ctl', ['-D', join(this.dir, 'data'), 'status']).then(() => true, () => false);
  }

  async ensureUp(): Promise<void> {
    if (!(await this.running())) await this.resume();
  }

  /** A fresh database on the cluster; its URL. */
  async createDatabase(): Promise<string> {
    const name = `own_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    return this.url.replace(/\/postgres$/, `/${name}`);
  }

  async destroy(): Promise<void> {
    await this.pause('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async pgCommand(command: string, args: string[]): Promise<void> {
    try {
      await run(join(BIN, command), args, { ...this.user, cwd: this.dir });
    } catch (error) {
      const e = error as { message: string; stderr?: string };
      throw new Error(`${command} failed: ${e.message}\n${e.stderr ?? ''}`);
    }
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

