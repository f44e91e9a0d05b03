import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTestDatabase } from '../helpers/services';

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

function run(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('the compiled entry point (npm test builds it first)', () => {
  it('exits 1 with a clear message naming a bad variable, without a stack trace', async () => {
    const proc = run({ SERVER_PORT: 'not-a-port' });
    expect(await proc.exited).toBe(1);
    const { stderr } = proc.output();
    expect(stderr).toContain('SERVER_PORT (server.port)');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('stops on a bad AUTH_TOKENS before any database starts', async () => {
    // No DATABASE_URL: a start would first create and launch an embedded PostgreSQL in this directory.
    const dir = join(mkdtempSync(join(tmpdir(), 'bad-auth-')), 'postgres');
    try {
      const proc = run({ AUTH_TOKENS: 'alice=admin', LOG_LEVEL: 'info', EMBEDDED_PG_DIR: dir });
      expect(await proc.exited).toBe(1);
      const { stdout, stderr } = proc.output();
      expect(stderr).toContain('AUTH_TOKENS (auth.tokens)');
      expect(stdout).not.toMatch(/PostgreSQL/i);
      expect(existsSync(dir)).toBe(false);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });

  it('exits 1 naming the port when the embedded PostgreSQL cannot bind it', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    // The directory itself, not one inside it: as root the server runs as a user of its own,
    // which may enter the directory it is given (the package hands it over) but not ours.
    const dir = mkdtempSync(join(tmpdir(), 'taken-port-'));
    try {
      const proc = run({ LOG_LEVEL: 'info', EMBEDDED_PG_DIR: dir, EMBEDDED_PG_PORT: String(port) });
      expect(await proc.exited).toBe(1);
      const { stdout, stderr } = proc.output();
      expect(stdout + stderr).toContain(`embedded PostgreSQL did not start on port ${port} (is the port taken?)`);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('logs readable lines when asked (LOG_FORMAT=pretty, what a terminal gets by default), JSON otherwise', async () => {
    const db = await createTestDatabase();
    try {
      for (const format of ['pretty', 'json']) {
        const proc = run({ SERVER_PORT: '0', DATABASE_URL: db.url, KAFKA_BROKERS: process.env.KAFKA_BROKERS!, LOG_LEVEL: 'info', LOG_FORMAT: format });
        const deadline = Date.now() + 30000;
        while (!/INFO.*saga-control-plane listening|"msg":"saga-control-plane listening"/.test(proc.output().stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        proc.child.kill('SIGTERM');
        expect(await proc.exited).toBe(0);
        const { stdout } = proc.output();
        if (format === 'pretty') {
          expect(stdout).toMatch(/INFO.*saga-control-plane listening/);
          expect(stdout).not.toMatch(/^\{"level"/m);
        } else {
          expect(stdout).toMatch(/^\{"level":30,.*"msg":"saga-control-plane listening"/m);
        }
      }
    } finally {
      await db.drop();
    }
  });

  it('prints where it listens and exits 0 on SIGTERM', async () => {
    const db = await createTestDatabase();
    try {
      const proc = run({ SERVER_PORT: '0', DATABASE_URL: db.url, KAFKA_BROKERS: process.env.KAFKA_BROKERS!, LOG_LEVEL: 'warn' });
      const deadline = Date.now() + 30000;
      while (!proc.output().stdout.includes('listening on') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(proc.output().stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/graphql/);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    } finally {
      await db.drop();
    }
  });
});
