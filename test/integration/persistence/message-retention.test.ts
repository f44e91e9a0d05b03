import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from 'pg';
import { MessageRetention } from '../../../src/persistence/message-retention';
import { openTestDatabase } from '../../helpers/services';

/** Retention on the real database: which inbox and outbox rows a prune deletes, and which it keeps. */
describe('MessageRetention', () => {
  let orm: MikroORM;
  let sql: Client;
  let close: () => Promise<void>;
  const DAY = 86_400_000;
  const now = Date.now();
  const at = (ms: number) => new Date(ms).toISOString();

  beforeAll(async () => { ({ orm, sql, close } = await openTestDatabase()); });
  afterAll(() => close());
  beforeEach(async () => { await sql.query('truncate inbox_message, outbox_message'); });

  async function inbox(receivedAtMs: number, n = 1): Promise<void> {
    for (let i = 0; i < n; i++) {
      await sql.query('insert into inbox_message (event_id, topic, received_at) values ($1, $2, $3)', [randomUUID(), 't', at(receivedAtMs)]);
    }
  }

  async function outbox(label: string, createdAtMs: number, published: boolean): Promise<void> {
    await sql.query(
      `insert into outbox_message (event_id, topic, key, value, created_at, published_at, partition, "offset")
       values ($1, $2, 'k', '{}', $3, $4, $5, $6)`,
      [randomUUID(), label, at(createdAtMs), published ? at(createdAtMs + 5) : null, published ? 0 : null, published ? 1 : null],
    );
  }

  const remaining = async (table: 'inbox_message' | 'outbox_message') => Number((await sql.query(`select count(*) as n from ${table}`)).rows[0].n);

  it('deletes inbox rows older than the cutoff, over several batches, and keeps newer ones', async () => {
    await inbox(now - 10 * DAY, 25);
    await inbox(now - DAY, 3);
    await inbox(now, 2);
    // Batches of 10: three deletes, the last one short.
    const pruned = await new MessageRetention(orm, 10).prune({ inboxBefore: new Date(now - 2 * DAY), outboxBefore: null });
    expect(pruned).toEqual({ inbox: 25, outbox: 0 });
    expect(await remaining('inbox_message')).toBe(5);
  });

  it('deletes old published outbox rows only: unpublished ones are still owed to the broker', async () => {
    await outbox('old-published', now - 10 * DAY, true);
    await outbox('old-unpublished', now - 10 * DAY, false);
    await outbox('new-published', now, true);
    await outbox('new-unpublished', now, false);
    const pruned = await new MessageRetention(orm).prune({ inboxBefore: null, outboxBefore: new Date(now - DAY) });
    expect(pruned).toEqual({ inbox: 0, outbox: 1 });
    const { rows } = await sql.query<{ topic: string }>('select topic from outbox_message order by topic');
    expect(rows.map((r) => r.topic)).toEqual(['new-published', 'new-unpublished', 'old-unpublished']);
  });

  it('keeps everything when both cutoffs are off', async () => {
    await inbox(now - 100 * DAY);
    await outbox('old-published', now - 100 * DAY, true);
    expect(await new MessageRetention(orm).prune({ inboxBefore: null, outboxBefore: null })).toEqual({ inbox: 0, outbox: 0 });
    expect(await remaining('inbox_message')).toBe(1);
    expect(await remaining('outbox_message')).toBe(1);
  });
});
