import { randomUUID } from 'node:crypto';
import type { Client, Pool } from 'pg';
import { OptimisticLockError, PostgresSagaStore } from '../../../src/persistence/saga-repository';
import { sagaKeyText, type SagaWrite } from '../../../src/runtime/ports';
import { orderSagaDefinition } from '../../../src/sagas/order';
import { openTestDatabase } from '../../helpers/services';
import { newOrderSagaWrite } from '../../unit/support/order';

/** PostgresSagaStore on the real database: what one transaction writes, and what it rolls back. */
describe('PostgresSagaStore', () => {
  let pool: Pool;
  let store: PostgresSagaStore;
  let sql: Client;
  let close: () => Promise<void>;
  const def = orderSagaDefinition({ couponPolicy: 'continue' });

  beforeAll(async () => {
    ({ pool, sql, close } = await openTestDatabase(3));
    store = new PostgresSagaStore(pool);
  });
  afterAll(() => close());

  const newSaga = (lastError: string | null = null) => newOrderSagaWrite(def, lastError);

  const count = async (table: string, sagaIds: string[]) => Number((await sql.query(
    `select count(*) as n from ${table} where ${table === 'saga_instance' ? 'id' : 'saga_id'} = any($1::uuid[])`, [sagaIds],
  )).rows[0].n);

  it('writes many sagas in one transaction, over several statements, with outbox ids in order', async () => {
    // ~300 sagas: far more than one write statement carries (WRITE_GROUP_CHARS), so several run.
    const writes = Array.from({ length: 300 }, () => newSaga());
    const outbox = await store.inTransaction((tx) => tx.write(writes));
    const ids = writes.map((w) => w.state.id);
    expect(await count('saga_instance', ids)).toBe(300);
    expect(await count('saga_event', ids)).toBe(writes.reduce((n, w) => n + w.events.length, 0));
    expect(await count('saga_step', ids)).toBe(300 * def.steps.length);
    expect(await count('saga_timer', ids)).toBe(writes.filter((w) => w.state.timer).length);
    // Each returned row is the message at the same position, and its id is that row's id.
    const sent = writes.flatMap((w) => w.outbox);
    expect(outbox).toHaveLength(sent.length);
    const rows = (await sql.query('select id::text, event_id::text from outbox_message where id = any($1::bigint[])', [outbox.map((o) => o.id)])).rows;
    const eventIdOf = new Map(rows.map((r) => [r.id, r.event_id]));
    expect(outbox.map((o) => eventIdOf.get(o.id))).toEqual(sent.map((m) => m.eventId));
    expect(outbox.map((o) => o.value)).toEqual(sent.map((m) => JSON.stringify(m.value)));
  });

  it('claims the inbox and locks the named sagas in one statement; a second claim finds duplicates', async () => {
    const w = newSaga();
    await store.inTransaction((tx) => tx.write([w]));
    const entries = [{ eventId: randomUUID(), topic: 'product-reserved', payloadHash: 'h1' }, { eventId: randomUUID(), topic: 'payment-processed', payloadHash: 'h2' }];
    const first = await store.inTransaction((tx) => tx.claimInboxAndLock(entries, [w.state.id], [{ sagaType: 'order', businessKey: w.state.businessKey }]));
    expect([...first.fresh].sort()).toEqual(entries.map((e) => e.eventId).sort());
    expect(first.locked.get(w.state.id)?.state).toEqual(w.state);
    expect(first.locked.get(w.state.id)?.version).toBe(1);
    expect(first.sagaIdsByKey.get(sagaKeyText({ sagaType: 'order', businessKey: w.state.businessKey }))).toBe(w.state.id);
    const again = await store.inTransaction((tx) => tx.claimInboxAndLock(entries, [], []));
    expect(again.fresh.size).toBe(0);
    expect([...again.storedHashes.values()].sort()).toEqual(['h1', 'h2']);
  });

  it('returns the payload hash a repeated eventId was first claimed with', async () => {
    const same = { eventId: randomUUID(), topic: 'product-reserved', payloadHash: 'same' };
    const changed = { eventId: randomUUID(), topic: 'product-reserved', payloadHash: 'before' };
    await store.inTransaction((tx) => tx.claimInboxAndLock([same, changed], [], []));
    const again = await store.inTransaction((tx) => tx.claimInboxAndLock([same, { ...changed, payloadHash: 'after' }], [], []));
    expect(again.fresh.size).toBe(0);
    expect(again.storedHashes).toEqual(new Map([[same.eventId, 'same'], [changed.eventId, 'before']]));
  });

  it('writes a dead letter once: the same id again writes nothing', async () => {
    const letter = { eventId: randomUUID(), topic: 'x.dlq', key: 'k', value: '{"error":"e"}', headers: { 'x-dlq-error': 'e' } };
    const first = await store.inTransaction((tx) => tx.enqueueDeadLetters([letter]));
    expect(first).toEqual([expect.objectContaining({ topic: 'x.dlq', key: 'k', value: letter.value })]);
    expect(await store.inTransaction((tx) => tx.enqueueDeadLetters([letter]))).toEqual([]);
    expect((await sql.query('select count(*)::int as n from outbox_message where event_id = $1', [letter.eventId])).rows[0].n).toBe(1);
  });

  it('rolls back everything, the inbox claim included, when an update finds its saga changed', async () => {
    const w = newSaga();
    await store.inTransaction((tx) => tx.write([w]));
    const eventId = randomUUID();
    const stale: SagaWrite = { ...newSaga(), state: { ...w.state, updatedAtMs: w.state.updatedAtMs + 1 }, previousVersion: 7, previousEventSeq: w.events.length };
    await expect(store.inTransaction(async (tx) => {
      await tx.claimInboxAndLock([{ eventId, topic: 'product-reserved', payloadHash: 'h' }], [w.state.id], []);
      return tx.write([stale, newSaga()]);
    })).rejects.toBeInstanceOf(OptimisticLockError);
    expect((await sql.query('select count(*)::int as n from inbox_message where event_id = $1', [eventId])).rows[0].n).toBe(0);
    expect((await sql.query('select version from saga_instance where id = $1', [w.state.id])).rows[0].version).toBe(1);
  });

  it('keeps text with quotes and backslashes exact, in inlined and in bound parameters', async () => {
    const tricky = `it's a \\ back'slash \\' and "quotes" -- ; select 1`;
    const w = newSaga(tricky);
    await store.inTransaction((tx) => tx.write([w]));
    const eventId = randomUUID();
    // The first statement of a transaction goes inlined (with BEGIN); later ones are bound.
    const claim = await store.inTransaction(async (tx) => {
      const first = await tx.claimInboxAndLock([{ eventId, topic: tricky, payloadHash: tricky }], [w.state.id], []);
      const second = await tx.lockSagas([w.state.id]);
      return { first, second };
    });
    expect(claim.first.locked.get(w.state.id)?.state.lastError).toBe(tricky);
    expect(claim.second.get(w.state.id)?.state.lastError).toBe(tricky);
    expect((await sql.query('select topic from inbox_message where event_id = $1', [eventId])).rows[0].topic).toBe(tricky);
    expect((await sql.query('select last_error from saga_instance where id = $1', [w.state.id])).rows[0].last_error).toBe(tricky);
  });

  it('arms, moves and disarms the durable timer with the saga', async () => {
    const w = newSaga();
    expect(w.state.timer).not.toBeNull();
    await store.inTransaction((tx) => tx.write([w]));
    const dueAt = async () => (await sql.query('select due_at from saga_timer where saga_id = $1', [w.state.id])).rows[0]?.due_at as Date | undefined;
    expect((await dueAt())?.getTime()).toBe(w.state.timer!.dueAtMs);
    const later = { ...w.state, timer: { ...w.state.timer!, dueAtMs: w.state.timer!.dueAtMs + 5000 } };
    await store.inTransaction((tx) => tx.write([{ ...w, state: later, previousVersion: 1, previousEventSeq: w.events.length, events: [], outbox: [] }]));
    expect((await dueAt())?.getTime()).toBe(later.timer.dueAtMs);
    await store.inTransaction((tx) => tx.write([{ ...w, state: { ...later, timer: null }, previousVersion: 2, previousEventSeq: w.events.length, events: [], outbox: [] }]));
    expect(await dueAt()).toBeUndefined();
  });
});
