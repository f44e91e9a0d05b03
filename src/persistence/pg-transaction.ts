import type { ClientBase, Pool, QueryResult } from 'pg';

/**
 * One transaction on one pooled connection, written for few round trips: BEGIN travels with the
 * first statement (the simple-query protocol takes several statements at once; that statement's
 * parameters are inlined as literals, and the first statement is always a small one). Each round
 * trip wakes PostgreSQL and this process; on VMs that costs more CPU than a small statement
 * itself, so the hot path counts them.
 */
export class PgTransaction {
  private begun = false;

  constructor(private readonly client: ClientBase) {}

  /** Rows of a statement with `?` placeholders. */
  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.execute(sql, params)).rows as T[];
  }

  async commit(): Promise<void> {
    if (this.begun) await this.client.query('commit');
  }

  async rollback(): Promise<void> {
    if (this.begun) await this.client.query('rollback');
  }

  private async execute(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    // Prepared once per connection: PostgreSQL then skips parsing and, after a few runs, planning.
    if (this.begun) return this.client.query({ name: statementName(sql), text: numbered(sql), values: params as unknown[] });
    this.begun = true;
    // A generic plan for the prepared statements: their parameters are JSON documents, which
    // no custom plan could use, so planning each run again would only cost CPU.
    const results = (await this.client.query(`begin; set local plan_cache_mode = force_generic_plan; ${inlined(sql, params)}`)) as unknown as QueryResult[];
    return results[2];
  }
}

/**
 * Runs `work` in one PgTransaction on a connection of `pool`: commits what it returns, rolls back
 * what it throws. A connection that broke meanwhile (an 'error' event, or a failed rollback) goes
 * back to the pool as broken, so the pool closes it instead of handing it out again.
 */
export async function inPgTransaction<T>(pool: Pool, work: (tx: PgTransaction) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // node-postgres emits a lost connection on the client as well as failing its query; unheard,
  // the event would be thrown in the process.
  const onError = (error: Error) => { broken ??= error; };
  client.on('error', onError);
  const tx = new PgTransaction(client);
  try {
    const result = await work(tx);
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback().catch((rollbackError: Error) => { broken ??= rollbackError; });
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

const statementNames = new Map<string, string>();

/** A name per distinct statement text, for node-postgres's per-connection prepared statements. */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `saga_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

const numberedCache = new Map<string, string>();

/** `?` placeholders as PostgreSQL's `$1`, `$2`... (the SQL of this module has no other `?`). */
export function numbered(sql: string): string {
  let text = numberedCache.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/\?/g, () => `$${++n}`);
    if (numberedCache.size < 1000) numberedCache.set(sql, text);
  }
  return text;
}

/** The statement with its `?` placeholders replaced by SQL literals. */
export function inlined(sql: string, params: readonly unknown[]): string {
  let i = 0;
  const text = sql.replace(/\?/g, () => {
    if (i >= params.length) throw new Error('fewer parameters than placeholders');
    return literal(params[i++]);
  });
  if (i !== params.length) throw new Error('more parameters than placeholders');
  return text;
}

/** A value as an SQL literal of unknown type (PostgreSQL infers it, as for a parameter). */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return `'${value}'`;
  }
  if (typeof value === 'boolean' || typeof value === 'bigint') return `'${value}'`;
  if (typeof value === 'object' && !(value instanceof Date)) throw new Error('objects and arrays go in as JSON text, not as values');
  const text = value instanceof Date ? value.toISOString() : String(value);
  // E'' with doubled backslashes means the same whatever standard_conforming_strings says.
  return text.includes('\\')
    ? ` E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
    : `'${text.replaceAll("'", "''")}'`;
}
