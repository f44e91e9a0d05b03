import type { Knex } from '@mikro-orm/postgresql';

/**
 * Raw SQL with real bind parameters, for the read side's tuned queries (saga-read-repository.ts).
 * MikroORM's `execute(sql, params)` inlines the parameters into the SQL text, escaping large
 * values character by character; knex's `raw` sends them to PostgreSQL as parameters.
 */
export async function selectRows<T>(knex: Knex, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const result = (await knex.raw(sql, params as Knex.RawBinding[])) as { rows: T[] };
  return result.rows;
}

/**
 * Rows as JSON arrays of about `maxChars` at most, for one statement each (a single row may
 * exceed it). Why not one array per batch: strings and buffers over 128 KB get fresh memory
 * from the kernel every time, in V8 (large-object space), in glibc and in PostgreSQL's message
 * buffers, and page faults are costly on VMs; a few statements under that size reuse memory and
 * cost less CPU than one large one (README, Benchmarks: "Statement sizes" has the figures).
 */
export function jsonChunks(rows: readonly unknown[], maxChars = 48_000): string[] {
  const json = rows.map((row) => JSON.stringify(row));
  return groupBySize(json, (j) => j.length + 1, maxChars).map((parts) => `[${parts.join(',')}]`);
}

/** Consecutive groups whose sizes add up to `max` at most (an item larger than `max` goes alone). */
export function groupBySize<T>(items: readonly T[], sizeOf: (item: T) => number, max: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let size = 0;
  for (const item of items) {
    const n = sizeOf(item);
    if (group.length > 0 && size + n > max) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(item);
    size += n;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * An ISO 8601 UTC instant (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`, up to microseconds) that PostgreSQL's
 * timestamptz accepts as the same instant: a real calendar day (Date.parse takes 31 February) and a
 * year from 1 (PostgreSQL has no year 0).
 */
export function isUtcInstantText(text: string): boolean {
  const match = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.exec(text);
  if (!match || Number(match[1]) < 1) return false;
  // Compared at millisecond precision, as far as a JavaScript Date goes.
  const millis = `${text.slice(0, 19)}.${(match[2] ?? '.').slice(1).padEnd(3, '0').slice(0, 3)}Z`;
  const date = new Date(millis);
  return !Number.isNaN(date.getTime()) && date.toISOString() === millis;
}

/**
 * An instant as timestamptz text PostgreSQL reads as the same instant, for values MikroORM writes
 * into the SQL text: a year before 1 as BC (ISO's year 0 is 1 BC, which PostgreSQL refuses as
 * "0000"), a year past 9999 without ISO's "+" (as node-postgres writes a Date).
 */
export function timestamptzText(date: Date): string {
  const year = date.getUTCFullYear();
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${String(year < 1 ? 1 - year : year).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}.${String(date.getUTCMilliseconds()).padStart(3, '0')}`;
  return `${day}T${time}+00:00${year < 1 ? ' BC' : ''}`;
}
