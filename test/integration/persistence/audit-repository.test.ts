import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Client } from 'pg';
import { AuditRepository } from '../../../src/persistence/audit-repository';
import { openTestDatabase } from '../../helpers/services';

/** AuditRepository on the real database: order, keyset pages, per-saga reads, outcomes stored once final, the filters' edges. */
describe('AuditRepository', () => {
  let orm: MikroORM;
  let sql: Client;
  let close: () => Promise<void>;
  let audit: AuditRepository;
  beforeAll(async () => {
    ({ orm, sql, close } = await openTestDatabase());
    audit = new AuditRepository(orm);
  });
  afterAll(() => close());

  async function saga(status: string): Promise<{ id: string; orderId: string }> {
    const id = randomUUID();
    const orderId = randomUUID();
    await sql.query(
      `insert into saga_instance (id, type, definition_version, business_key, order_id, status, state, version, event_seq, created_at, updated_at)
       values ($1, 'order', 1, $2::text, $2::text::uuid, $3, $4, 1, 0, now(), now())`,
      [id, orderId, status, JSON.stringify({ id, status, steps: [] })],
    );
    return { id, orderId };
  }

  async function action(sagaId: string, key: string, at: string, name = 'abort'): Promise<void> {
    await sql.query(
      `insert into manual_action (idempotency_key, saga_id, action, actor, roles, reason, request, created_at)
       values ($1, $2, $3, 'ops', 'operator,admin', 'why', $4, $5)`,
      [key, sagaId, name, JSON.stringify({ step: null }), at],
    );
  }

  it('lists newest first in keyset pages, judges outcomes from the saga now and stores the final ones', async () => {
    const aborted = await saga('ABORTED');
    const running = await saga('RUNNING');
    await action(aborted.id, 'k1', '2026-01-01T00:00:00.000001Z');
    await action(running.id, 'k2', '2026-01-01T00:00:00.000002Z');
    await action(running.id, 'k3', '2026-01-01T00:00:00.000002Z', 'resume');
    const first = await audit.list({}, 2);
    expect(first.map((r) => r.id)).toEqual(['k3', 'k2']);
    expect(first[0]).toMatchObject({ sagaId: running.id, orderId: running.orderId, action: 'resume', step: null, actor: 'ops', roles: ['operator', 'admin'], reason: 'why', stateBefore: null });
    expect(first[0].outcome.status).toBe('PENDING');
    // The position keeps PostgreSQL's microseconds.
    const rest = await audit.list({}, 2, { at: '2026-01-01T00:00:00.000002Z', id: 'k2' });
    expect(rest.map((r) => [r.id, r.outcome.status])).toEqual([['k1', 'SUCCEEDED']]);
    const stored = await sql.query("select idempotency_key, outcome->>'status' as status from manual_action order by idempotency_key");
    expect(stored.rows).toEqual([{ idempotency_key: 'k1', status: 'SUCCEEDED' }, { idempotency_key: 'k2', status: null }, { idempotency_key: 'k3', status: null }]);
    expect((await audit.list({ sagaId: running.id, action: 'abort' }, 10)).map((r) => r.id)).toEqual(['k2']);
    expect((await audit.list({ actor: 'nobody' }, 10))).toEqual([]);
    expect((await audit.list({ since: new Date('2026-01-01T00:00:00.000Z'), until: new Date('2026-01-01T00:00:00.001Z') }, 10)).length).toBe(3);

    const bySaga = await audit.ofSagas([aborted.id, running.id, randomUUID()]);
    expect(bySaga.get(running.id)!.map((r) => r.id)).toEqual(['k2', 'k3']);
    expect(bySaga.get(aborted.id)!.map((r) => r.id)).toEqual(['k1']);
    expect(bySaga.size).toBe(2);
    expect((await audit.ofSaga(aborted.id)).map((r) => r.id)).toEqual(['k1']);
  });

  it('takes any instant a DateTimeISO can be as a bound, year 0 included', async () => {
    expect(await audit.list({ since: new Date('+100000-01-01T00:00:00Z') }, 10)).toEqual([]);
    expect(await audit.list({ until: new Date('0000-01-01T00:00:00Z') }, 10)).toEqual([]);
    expect((await audit.list({ since: new Date('0000-01-01T00:00:00Z') }, 10)).length).toBeGreaterThan(0);
  });
});
