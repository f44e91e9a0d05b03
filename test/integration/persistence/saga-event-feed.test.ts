import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client, Pool } from 'pg';
import { SagaReadRepository } from '../../../src/persistence/saga-read-repository';
import { PostgresSagaStore } from '../../../src/persistence/saga-repository';
import type { SagaWrite } from '../../../src/runtime/ports';
import { orderSagaDefinition } from '../../../src/sagas/order';
import { openTestDatabase } from '../../helpers/services';
import { newOrderSagaWrite } from '../../unit/support/order';

/** The cross-saga feed on the real database: commit order, whatever order transactions began in. */
describe('sagaEventFeed storage order', () => {
  let orm: MikroORM;
  let pool: Pool;
  let store: PostgresSagaStore;
  let reads: SagaReadRepository;
  let sql: Client;
  let close: () => Promise<void>;
  const def = orderSagaDefinition({ couponPolicy: 'continue' });

  beforeAll(async () => {
    ({ orm, pool, sql, close } = await openTestDatabase(4));
    store = new PostgresSagaStore(pool);
    reads = new SagaReadRepository(orm);
  });
  afterAll(() => close());

  const newSaga = (): SagaWrite => ({ ...newOrderSagaWrite(def), outbox: [] });

  /** The next version of a saga as it is stored now: one more event. */
  async function nextVersion(tx: Parameters<Parameters<PostgresSagaStore['inTransaction']>[0]>[0], sagaId: string, note: string): Promise<SagaWrite> {
    const stored = (await tx.lockSagas([sagaId])).get(sagaId)!;
    return {
      state: stored.state, previousVersion: stored.version, previousEventSeq: stored.eventSeq, outbox: [], actor: 'system',
      events: [{ type: 'MANUAL_ACTION', step: null, detail: { note }, atMs: Date.now() }],
    };
  }

  it("returns one saga's events in sequence order when the later one's transaction began first", async () => {
    const w = newSaga();
    await store.inTransaction((tx) => tx.write([w]));
    const first = w.events.length;

    // B takes its transaction id first (an inbox claim), then waits while A commits a newer
    // version of the saga; only then does B lock the saga and write the event after A's.
    let bHasXid!: () => void;
    const bStarted = new Promise<void>((resolve) => { bHasXid = resolve; });
    let aCommitted!: () => void;
    const aDone = new Promise<void>((resolve) => { aCommitted = resolve; });
    const b = store.inTransaction(async (tx) => {
      await tx.claimInboxAndLock([{ eventId: randomUUID(), topic: 'product-reserved', payloadHash: 'h' }], [], []);
      bHasXid();
      await aDone;
      await tx.write([await nextVersion(tx, w.state.id, 'B')]);
    });
    await bStarted;
    await store.inTransaction(async (tx) => { await tx.write([await nextVersion(tx, w.state.id, 'A')]); });
    aCommitted();
    await b;

    // The situation that broke the transaction-id order: the later event's transaction id is lower.
    const { rows } = await sql.query<{ seq: number; tx: string }>('select seq, tx_id::text as tx from saga_event where saga_id = $1 and seq > $2 order by seq', [w.state.id, first]);
    expect(rows.map((r) => r.seq)).toEqual([first + 1, first + 2]);
    expect(BigInt(rows[1].tx)).toBeLessThan(BigInt(rows[0].tx));

    const feed = await reads.feed(null, { sagaId: w.state.id }, 100);
    expect(feed.map((e) => e.seq)).toEqual(Array.from({ length: first + 2 }, (_, i) => i + 1));
    expect(feed.slice(-2).map((e) => e.detail.note)).toEqual(['A', 'B']);
  });

  it('resumes a legacy (transaction id, row id) cursor after exactly the events up to it, then in commit order', async () => {
    const sagas = Array.from({ length: 3 }, () => newSaga());
    for (const w of sagas) await store.inTransaction((tx) => tx.write([w]));
    const ids = sagas.map((w) => w.state.id);
    const { rows } = await sql.query<{ tx: string; id: string; saga_id: string; seq: number }>(
      'select tx_id::text as tx, id::text, saga_id::text, seq from saga_event where saga_id = any($1::uuid[]) order by tx_id, id', [ids],
    );
    const at = rows[Math.floor(rows.length / 2)];
    const rest = (await reads.feed({ txId: at.tx, id: at.id }, {}, 10_000)).filter((e) => ids.includes(e.sagaId));
    const expected = rows.filter((r) => BigInt(r.tx) > BigInt(at.tx) || (r.tx === at.tx && BigInt(r.id) > BigInt(at.id)));
    expect(rest.map((e) => `${e.sagaId}/${e.seq}`)).toEqual(expected.map((r) => `${r.saga_id}/${r.seq}`));
    // What it hands on is a commit position.
    expect(rest[0].position).toEqual({ commit: expect.stringMatching(/^\d+$/), id: expect.stringMatching(/^\d+$/) });
  });

  it('ends at the head: nothing after it until a later commit', async () => {
    const head = await reads.feedHead();
    expect(await reads.feed(head, {}, 10)).toEqual([]);
    const w = newSaga();
    await store.inTransaction((tx) => tx.write([w]));
    expect((await reads.feed(head, {}, 100)).map((e) => e.seq)).toEqual(w.events.map((_, i) => i + 1));
    expect((await reads.feed(head, { stepsOnly: true }, 100)).every((e) => e.step !== null)).toBe(true);
  });

  it('takes one commit position per transaction, also for a write of several statements', async () => {
    const writes = Array.from({ length: 300 }, () => newSaga());
    await store.inTransaction((tx) => tx.write(writes));
    const { rows } = await sql.query<{ n: number }>(
      `select count(distinct c.position)::int as n from saga_event e join saga_event_commit c on c.tx_id = e.tx_id where e.saga_id = any($1::uuid[])`,
      [writes.map((w) => w.state.id)],
    );
    expect(rows[0].n).toBe(1);
  });

  it('resumes after a position with no gap and no repeat, page by page', async () => {
    const sagas = Array.from({ length: 3 }, () => newSaga());
    for (const w of sagas) await store.inTransaction((tx) => tx.write([w]));
    const filter = { sagaType: undefined, eventTypes: undefined };
    const all = (await reads.feed(null, filter, 10_000)).filter((e) => sagas.some((w) => w.state.id === e.sagaId));
    let after = null;
    const paged = [];
    for (;;) {
      const page = await reads.feed(after, filter, 2);
      if (page.length === 0) break;
      paged.push(...page);
      after = page[page.length - 1].position;
    }
    const mine = paged.filter((e) => sagas.some((w) => w.state.id === e.sagaId));
    expect(mine.map((e) => `${e.sagaId}/${e.seq}`)).toEqual(all.map((e) => `${e.sagaId}/${e.seq}`));
    expect(new Set(paged.map((e) => `${e.sagaId}/${e.seq}`)).size).toBe(paged.length);
  });
});
