import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client, Notification } from 'pg';
import { BulkActionRepository } from '../../../src/persistence/bulk-action-repository';
import { BULK_PROGRESS_CHANNEL } from '../../../src/persistence/bulk-progress-notice';
import { openTestDatabase } from '../../helpers/services';

/** BulkActionRepository on the real database: the lifecycle of a run, its leases, and NOTIFY only with the commit. */
describe('BulkActionRepository', () => {
  let orm: MikroORM;
  let sql: Client;
  let close: () => Promise<void>;
  let repository: BulkActionRepository;
  const notices: string[] = [];

  beforeAll(async () => {
    ({ orm, sql, close } = await openTestDatabase());
    repository = new BulkActionRepository(orm);
    sql.on('notification', (n: Notification) => { if (n.channel === BULK_PROGRESS_CHANNEL) notices.push(n.payload!); });
    await sql.query(`listen ${BULK_PROGRESS_CHANNEL}`);
  });
  afterAll(() => close());
  beforeEach(() => { notices.length = 0; });

  async function preview(sagas = 3, expiresInMs = 60_000) {
    const id = randomUUID();
    const items = Array.from({ length: sagas }, (_, i) => ({ sagaId: randomUUID(), version: i + 1 }));
    await repository.createPreview({ id, action: 'abort', step: null, filter: { status: ['RUNNING'] }, createdBy: 'ops', expiresAt: new Date(Date.now() + expiresInMs), items });
    return { id, items };
  }
  const run = (key = randomUUID(), owner = 'me') => ({ reason: 'why', idempotencyKey: key, actor: 'ops', roles: ['operator', 'admin'], owner, leaseMs: 60_000 });
  const outcome = (status: 'SUCCEEDED' | 'FAILED' | 'SKIPPED') => ({ status, code: status === 'FAILED' ? 'NOT_ALLOWED' : null, message: null, startedAt: new Date(), finishedAt: new Date() });
  /** A NOTIFY reaches the listener after its commit; a round trip on the listening connection lets it arrive. */
  const heard = async () => { await sql.query('select 1'); return notices.map((n) => JSON.parse(n)); };

  it('stores a preview with its items in selection order and reads it back', async () => {
    const { id, items } = await preview(2500);
    const record = await repository.find(id);
    expect(record).toMatchObject({ id, action: 'abort', step: null, filter: { status: ['RUNNING'] }, status: 'PREVIEWED', total: 2500,
      succeeded: 0, failed: 0, skipped: 0, createdBy: 'ops', reason: null, runIdempotencyKey: null, startedRoles: [], startedAt: null, finishedAt: null });
    expect(record!.createdAt).toBeInstanceOf(Date);
    expect(await repository.find('not-a-uuid')).toBeNull();
    const pending = await repository.pendingItems(id, 0, 3000);
    expect(pending.map((p) => p.sagaId)).toEqual(items.map((i) => i.sagaId));
    expect(pending.map((p) => p.position)).toEqual(items.map((_, i) => i + 1));
    const [first] = await repository.items(id, ['PENDING'], 0, 1);
    expect(first).toEqual({ sagaId: items[0].sagaId, position: 1, versionAtPreview: 1, status: 'PENDING', code: null, message: null, seq: null, startedAt: null, finishedAt: null });
    expect(await repository.items(id, [], 0, 10)).toEqual([]);
  });

  it('runs once per selection, refuses an expired one and a reused key', async () => {
    const { id } = await preview();
    const key = randomUUID();
    const started = await repository.start(id, run(key));
    expect(started).toMatchObject({ status: 'RUNNING', reason: 'why', runIdempotencyKey: key, startedBy: 'ops', startedRoles: ['operator', 'admin'] });
    expect(started!.startedAt).toBeInstanceOf(Date);
    expect(await repository.start(id, run())).toBeNull();
    expect((await repository.findByRunKey(key))?.id).toBe(id);
    const expired = await preview(1, -1000);
    expect(await repository.start(expired.id, run())).toBeNull();
    const other = await preview(1);
    await expect(repository.start(other.id, run(key))).rejects.toMatchObject({ code: '23505' });
  });

  it('records each outcome once, numbers them, counts them and NOTIFYs each with its commit', async () => {
    const { id, items } = await preview(3);
    await repository.start(id, run());
    expect(await repository.recordItem(id, items[0].sagaId, outcome('SUCCEEDED'))).toBe(1);
    expect(await repository.recordItem(id, items[0].sagaId, outcome('FAILED'))).toBeNull();
    expect(await repository.recordItem(id, items[1].sagaId, outcome('FAILED'))).toBe(2);
    expect(await repository.finish(id)).toBe(false);
    expect(await repository.recordItem(id, items[2].sagaId, outcome('SKIPPED'))).toBe(3);
    expect(await repository.finish(id)).toBe(true);
    expect(await repository.finish(id)).toBe(false);
    expect(await heard()).toEqual([{ b: id, q: 1, k: 'ITEM' }, { b: id, q: 2, k: 'ITEM' }, { b: id, q: 3, k: 'ITEM' }, { b: id, q: 0, k: 'SUMMARY' }]);
    expect(await repository.find(id)).toMatchObject({ status: 'FINISHED', succeeded: 1, failed: 1, skipped: 1 });
    expect((await repository.itemsAfterSeq(id, 1, 10)).map((i) => [i.seq, i.status, i.code])).toEqual([[2, 'FAILED', 'NOT_ALLOWED'], [3, 'SKIPPED', null]]);
    expect((await repository.items(id, ['SUCCEEDED', 'SKIPPED'], 0, 10)).map((i) => i.position)).toEqual([1, 3]);
  });

  it('sends no notice for a record whose transaction fails at commit, and keeps the item PENDING', async () => {
    const { id, items } = await preview(1);
    await repository.start(id, run());
    // A deferred constraint trigger fails the commit itself, after the NOTIFY was issued.
    await sql.query(`create function refuse_at_commit() returns trigger language plpgsql as $$ begin raise exception 'refused at commit'; end $$;
      create constraint trigger refuse_at_commit after update on bulk_action_item deferrable initially deferred for each row execute function refuse_at_commit()`);
    try {
      await expect(repository.recordItem(id, items[0].sagaId, outcome('SUCCEEDED'))).rejects.toThrow(/refused at commit/);
    } finally {
      await sql.query('drop trigger refuse_at_commit on bulk_action_item; drop function refuse_at_commit()');
    }
    expect(await heard()).toEqual([]);
    expect(await repository.pendingItems(id, 0, 10)).toEqual([{ sagaId: items[0].sagaId, position: 1 }]);
    expect(await repository.find(id)).toMatchObject({ succeeded: 0 });
  });

  it('hands an expired lease to one other instance, and lets its holder renew and release it', async () => {
    const { id } = await preview(1);
    await repository.start(id, run(randomUUID(), 'first'));
    expect(await repository.renewLease(id, 'first', 60_000)).toBe(true);
    expect(await repository.renewLease(id, 'second', 60_000)).toBe(false);
    await sql.query(`update bulk_action set lease_until = now() - interval '1 second' where status = 'RUNNING' and id <> $1`, [id]);
    expect(await repository.claimExpiredLease('second', 60_000)).not.toBe(id);
    await repository.releaseLease(id, 'first');
    // Other tests' runs may have expired too: claim until this one comes up.
    const claimed: (string | null)[] = [];
    for (let c = await repository.claimExpiredLease('second', 60_000); c !== null; c = await repository.claimExpiredLease('second', 60_000)) claimed.push(c);
    expect(claimed).toContain(id);
    expect(await repository.renewLease(id, 'first', 60_000)).toBe(false);
    expect(await repository.renewLease(id, 'second', 60_000)).toBe(true);
  });
});
