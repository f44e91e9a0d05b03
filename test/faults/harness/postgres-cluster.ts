/**
 * The suite's own PostgreSQL 15 cluster (initdb + pg_ctl on a free port, data in a temp dir),
 * which it may restart and stop; the shared server of the other tests is never touched. initdb
 * refuses to run as root, so as root every pg_ctl call runs as the `postgres` OS user.
 */
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { freePort } from '../../helpers/ports';

const BIN = process.env.FAULTS_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

export class FaultPostgres {
  private constructor(readonly port: number, private readonly dir: string) {}

  private get data(): string {
    return join(this.dir, 'data');
  }

  static async start(): Promise<FaultPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'saga-faults-pg-'));
    const cluster = new FaultPostgres(await freePort(), dir);
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await cluster.pg('initdb', ['-D', cluster.data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await cluster.startServer();
    return cluster;
  }

  /** Runs a PostgreSQL binary, as the postgres user when we are root. */
  private async pg(binary: string, args: string[]): Promise<string> {
    const command = join(BIN, binary);
    const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    try {
      const { stdout } = await run(file, argv, { timeout: 120_000, cwd: this.dir });
      return stdout;
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`${binary} ${args.join(' ')} failed: ${e.stderr || e.message}`);
    }
  }

  async startServer(): Promise<void> {
    // fsync off: the faults kill processes, not the machine; the page cache survives them.
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off -c max_connections=200`;
    await this.pg('pg_ctl', ['-D', this.data, '-l', join(this.dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  }

  /** `immediate` is a crash: no checkpoint, clients cut off, recovery from WAL on the next start. */
  async stopServer(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.data, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async restart(): Promise<void> {
    await this.stopServer('immediate');
    await this.startServer();
  }

  async running(): Promise<boolean> {
    try {
      await this.pg('pg_ctl', ['-D', this.data, 'status']);
      return true;
    } catch {
      return false;
    }
  }

  async ensureUp(): Promise<void> {
    if (!(await this.running())) await this.startServer();
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A fresh database for one fault. */
  async createDatabase(): Promise<string> {
    const name = `faults_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  async destroy(): Promise<void> {
    if (await this.running()) await this.stopServer('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
