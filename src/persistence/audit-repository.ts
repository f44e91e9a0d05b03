import type { Knex, MikroORM } from '@mikro-orm/postgresql';
import { auditOutcome, type AuditOutcome } from '../runtime/audit';
import type { AnySagaState, AuditFilter, AuditLog, AuditRecord } from '../runtime/ports';
import { execute, isUtcInstantText, selectRows } from './sql';

interface Row {
  idempotency_key: string; saga_id: string; action: string; actor: string; roles: string; reason: string | null;
  request: Record<string, unknown>; state_before: Record<string, unknown> | null; outcome: AuditOutcome | null;
  created_at: Date; state: AnySagaState; order_id: string;
}

const COLUMNS = `a.idempotency_key, a.saga_id, a.action, a.actor, a.roles, a.reason, a.request, a.state_before, a.outcome,
  a.created_at, s.state, s.order_id`;

/** A keyset position the list query's casts accept: an ISO 8601 UTC instant and a stored idempotency key (no NUL, at most 200 characters). */
export function isAuditPosition(position: { at: string; id: string }): boolean {
  return isUtcInstantText(position.at) && position.id.length > 0 && position.id.length <= 200 && !position.id.includes('\u0000');
}

/**
 * The audit log of manual actions (table manual_action, written with each action). An action's
 * outcome is judged from the saga's current state when read, and stored once final, so
 * "did it work" is answered by what really happened, not by what was requested.
 */
export class AuditRepository implements AuditLog {
  constructor(private readonly orm: MikroORM) {}

  private get knex(): Knex {
    return this.orm.em.getKnex();
  }

  /** Newest first; `before` is the (createdAt, id) of the last entry of the previous page. */
  async list(filter: AuditFilter, limit: number, before?: { at: string; id: string }): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.sagaId) { where.push('a.saga_id = ?::uuid'); params.push(filter.sagaId); }
    if (filter.actor) { where.push('a.actor = ?'); params.push(filter.actor); }
    if (filter.action) { where.push('a.action = ?'); params.push(filter.action); }
    // Dates, not ISO text: node-postgres writes any year (year 0 as 1 BC); ISO text "0000-..." is refused.
    if (filter.since) { where.push('a.created_at >= ?'); params.push(filter.since); }
    if (filter.until) { where.push('a.created_at < ?'); params.push(filter.until); }
    if (before) { where.push('(a.created_at, a.idempotency_key) < (?::timestamptz, ?)'); params.push(before.at, before.id); }
    params.push(limit);
    const rows = await selectRows<Row>(this.knex,
      `select ${COLUMNS} from manual_action a join saga_instance s on s.id = a.saga_id
       ${where.length ? `where ${where.join(' and ')}` : ''}
       order by a.created_at desc, a.idempotency_key desc limit ?`,
      params);
    return this.records(rows);
  }

  /** Entries of one saga, oldest first (the live stream). */
  async ofSaga(sagaId: string): Promise<AuditRecord[]> {
    return (await this.ofSagas([sagaId])).get(sagaId) ?? [];
  }

  /** Per saga, its latest 1000 entries, oldest first, in one query (the `Saga.auditLog` field of a page). */
  async ofSagas(sagaIds: string[]): Promise<Map<string, AuditRecord[]>> {
    const bySaga = new Map<string, AuditRecord[]>();
    if (sagaIds.length === 0) return bySaga;
    const rows = await selectRows<Row>(this.knex,
      `select * from (
         select ${COLUMNS}, row_number() over (partition by a.saga_id order by a.created_at desc, a.idempotency_key desc) as n
         from manual_action a join saga_instance s on s.id = a.saga_id
         where a.saga_id = any(string_to_array(?, ',')::uuid[])) q
       where n <= 1000 order by created_at, idempotency_key`,
      [sagaIds.join(',')]);
    for (const record of await this.records(rows)) {
      const list = bySaga.get(record.sagaId);
      if (list) list.push(record);
      else bySaga.set(record.sagaId, [record]);
    }
    return bySaga;
  }

  private async records(rows: Row[]): Promise<AuditRecord[]> {
    const records = rows.map(toRecord);
    await this.storeFinalOutcomes(rows, records);
    return records;
  }

  private async storeFinalOutcomes(rows: Row[], records: AuditRecord[]): Promise<void> {
    const final = records.filter((r, i) => r.outcome.status !== 'PENDING' && rows[i].outcome === null);
    if (final.length === 0) return;
    await execute(this.knex,
      `update manual_action a set outcome = x.outcome from jsonb_to_recordset(?::jsonb) as x(id text, outcome jsonb)
       where a.idempotency_key = x.id and a.outcome is null`,
      [JSON.stringify(final.map((r) => ({ id: r.id, outcome: r.outcome })))]);
  }
}

function toRecord(row: Row): AuditRecord {
  const request = row.request ?? {};
  const step = typeof request.step === 'string' ? request.step : null;
  return {
    id: row.idempotency_key,
    sagaId: row.saga_id,
    orderId: row.order_id,
    action: row.action,
    step,
    actor: row.actor,
    roles: row.roles.split(','),
    reason: row.reason,
    at: new Date(row.created_at),
    stateBefore: row.state_before,
    // A stored outcome is final; otherwise judge it from the saga as it is now.
    outcome: row.outcome ?? auditOutcome(row.action, step, row.state),
  };
}
