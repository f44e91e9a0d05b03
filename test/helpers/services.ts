import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Client, type Pool } from 'pg';
import { openDatabase, openEnginePool } from '../../src/persistence/database';

/** The broker the tests use (set by global-setup.mjs or by the caller). */
export function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`');
  return brokers.split(',');
}

function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests with `npm test`');
  return url;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server, so each test file starts from nothing. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `saga_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withAdmin((c) => c.query(`create database ${name}`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/**
 * A fresh database, migrated, with MikroORM (the cold paths), the engine's pool (the hot path) and
 * a plain pg client on it; `close` drops it.
 */
export async function openTestDatabase(poolSize = 2): Promise<{ orm: MikroORM; pool: Pool; sql: Client; close(): Promise<void> }> {
  const db = await createTestDatabase();
  const orm = await openDatabase(db.url, poolSize);
  const pool = openEnginePool(db.url, poolSize, (error) => { throw error; });
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  return {
    orm,
    pool,
    sql,
    close: async () => {
      await sql.end();
      await pool.end();
      await orm.close(true);
      await db.drop();
    },
  };
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A topic/group name no other test run uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
