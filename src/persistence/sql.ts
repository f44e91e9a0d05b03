import type { Knex } from '@mikro-orm/postgresql';

/**
 * Raw SQL with real bind parameters. MikroORM's `execute(sql, params)` inlines the parameters
 * into the SQL text, escaping large JSON documents character by character; knex's `raw` sends
 * them to PostgreSQL as parameters, which costs a fraction of the CPU on the hot path.
 */
export async function selectRows<T>(knex: Knex, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const result = (await knex.raw(sql, params as Knex.RawBinding[])) as { rows: T[] };
  return result.rows;
}

/** Runs a statement and returns how many rows it changed. */
export async function execute(knex: Knex, sql: string, params: readonly unknown[] = []): Promise<number> {
  const result = (await knex.raw(sql, params as Knex.RawBinding[])) as { rowCount: number | null };
  return result.rowCount ?? 0;
}
