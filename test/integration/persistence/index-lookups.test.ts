import { randomUUID } from 'node:crypto';
import type { Client, Pool } from 'pg';
import { PostgresOutboxStore } from '../../../src/persistence/outbox-store';
import { PostgresSagaStore } from '../../../src/persistence/saga-repository';
import type { SagaWrite } from '../../../src/runtime/ports';
import { orderSagaDefinition } from '../../../src/sagas/order';
import { openTestDatabase } from '../../helpers/services';
import { newOrderSagaWrite } from '../../unit/support/order';

const TABLES = ['saga_instance', 'outbox_message'];

/**
 * The hot path finds its rows by index at any table size. The batch statements read their rows
 * from json_to_recordset, which the planner takes for 100 rows: against a table of hundreds to
 * ~10^4 sagas, a join on it looks cheaper as a sequential scan, and every start, update and
 * publish then reads the whole table. Counted by PostgreSQL itself (pg_stat_user_tables), on a
 * one-connection pool, so the counts are this suite's statements only.
 */
describe('hot-path statements on a table of hundreds of sagas', () => {
  let pool: Pool;
  let sql: Client;
  let close: () => Promise<void>;
  let store: PostgresSagaStore;
  const def = orderSagaDefinition({ couponPolicy: 'continue' });

  beforeAll(async () => {
    ({ pool, sql, close } = await openTestDatabase(1));
    store = new PostgresSagaStore(pool);
    // A couple of hundred pages: against the 100 rows promised, reading them all costs the
    // planner less than 100 index probes, up to tables of ~10^4 sagas (the benchmark's size).
    for (let i = 0; i < 2; i++) await store.inTransaction((tx) => tx.write(Array.from({ length: 300 }, () => newOrderSagaWrite(def))));
    // What autovacuum's ANALYZE tells the planner on a live database.
    await sql.query(`analyze ${TABLES.join(', ')}`);
  }, 60_000);
  afterAll(() => close());

  /** Scans per table so far; the pool's one connection reports its counts first. */
  async function scans(): Promise<Map<string, { seq: number; idx: number }>> {
    await pool.query('select pg_stat_force_next_flush()');
    await sql.query('select pg_stat_clear_snapshot()');
    const { rows } = await sql.query<{ relname: string; seq: string; idx: string }>(
      'select relname, seq_scan as seq, idx_scan as idx from pg_stat_user_tables where relname = any($1)', [TABLES]);
    return new Map(rows.map((r) => [r.relname, { seq: Number(r.seq), idx: Number(r.idx) }]));
  }

  /** Runs `work` and expects `table` reached by index only. */
  async function expectIndexOnly(table: string, work: () => Promise<unknown>): Promise<void> {
    const before = (await scans()).get(table)!;
    await work();
    const after = (await scans()).get(table)!;
    expect({ table, seqScans: after.seq - before.seq }).toEqual({ table, seqScans: 0 });
    // The statement did reach the table, and its counts were reported.
    expect(after.idx).toBeGreaterThan(before.idx);
  }

  it('finds sagas by business key (a start, a reply without sagaId)', async () => {
    const w = newOrderSagaWrite(def);
    await store.inTransaction((tx) => tx.write([w]));
    await expectIndexOnly('saga_instance', async () => {
      const claim = await store.inTransaction((tx) => tx.claimInboxAndLock(
        [{ eventId: randomUUID(), topic: 'order-created', payloadHash: 'h' }], [], [{ sagaType: 'order', businessKey: w.state.businessKey }]));
      expect(claim.sagaIdsByKey.size).toBe(1);
    });
  });

  it('updates sagas', async () => {
    const w = newOrderSagaWrite(def);
    await store.inTransaction((tx) => tx.write([w]));
    const next: SagaWrite = { ...w, state: { ...w.state, updatedAtMs: w.state.updatedAtMs + 1 }, previousVersion: 1, previousEventSeq: w.events.length, events: [], outbox: [] };
    await expectIndexOnly('saga_instance', () => store.inTransaction((tx) => tx.write([next])));
  });

  it('marks outbox messages published', async () => {
    const [sent] = await store.inTransaction((tx) => tx.write([newOrderSagaWrite(def)]));
    await expectIndexOnly('outbox_message', () => new PostgresOutboxStore(pool).markPublished([{ id: sent.id, partition: 0, offset: '1' }]));
  });
});
