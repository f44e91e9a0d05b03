import type { EntityManager, FilterQuery, MikroORM } from '@mikro-orm/postgresql';
import { auditOutcome, type AuditOutcome } from '../runtime/audit';
import type { AnySagaState, AuditFilter, AuditLog, AuditRecord } from '../runtime/ports';
import { ManualAction, SagaInstance } from './entities';
import { isUtcInstantText, timestamptzText } from './sql';

/** Entries per saga that `ofSagas` returns at most (its latest). */
const ENTRIES_PER_SAGA = 1000;

/** A keyset position the list query's casts accept: an ISO 8601 UTC instant and a stored idempotency key (no NUL, at most 200 characters). */
export function isAuditPosition(position: { at: string; id: string }): boolean {
  return isUtcInstantText(position.at) && position.id.length > 0 && position.id.length <= 200 && !position.id.includes('\u0000');
}

/**
 * The audit log of manual actions (table manual_action, written with each action by the saga
 * transaction), read through MikroORM's EntityManager: a cold path, one fork per call. An
 * action's outcome is judged from the saga's current state when read, and stored once final,
 * so "did it work" is answered by what really happened, not by what was requested.
 */
export class AuditRepository implements AuditLog {
  constructor(private readonly orm: MikroORM) {}

  /** Newest first; `before` is the (createdAt, id) of the last entry of the previous page. */
  async list(filter: AuditFilter, limit: number, before?: { at: string; id: string }): Promise<AuditRecord[]> {
    const em = this.orm.em.fork();
    const where: FilterQuery<ManualAction> = {};
    if (filter.sagaId) where.sagaId = filter.sagaId;
    if (filter.actor) where.actor = filter.actor;
    if (filter.action) where.action = filter.action;
    const qb = em.createQueryBuilder(ManualAction, 'a').where(where);
    // MikroORM writes a Date into the SQL as ISO text, and PostgreSQL refuses ISO's year 0.
    if (filter.since) qb.andWhere('a.created_at >= ?::timestamptz', [timestamptzText(filter.since)]);
    if (filter.until) qb.andWhere('a.created_at < ?::timestamptz', [timestamptzText(filter.until)]);
    // The position's text as PostgreSQL reads it: microseconds, which a JavaScript Date would cut.
    if (before) qb.andWhere('(a.created_at, a.idempotency_key) < (?::timestamptz, ?)', [before.at, before.id]);
    const actions = await qb.orderBy({ createdAt: 'desc', idempotencyKey: 'desc' }).limit(limit).getResultList();
    return this.records(em, actions);
  }

  /** Entries of one saga, oldest first (the live stream). */
  async ofSaga(sagaId: string): Promise<AuditRecord[]> {
    return (await this.ofSagas([sagaId])).get(sagaId) ?? [];
  }

  /** Per saga, its latest 1000 entries, oldest first, in one query (the `Saga.auditLog` field of a page). */
  async ofSagas(sagaIds: string[]): Promise<Map<string, AuditRecord[]>> {
    const bySaga = new Map<string, AuditRecord[]>();
    if (sagaIds.length === 0) return bySaga;
    const em = this.orm.em.fork();
    const actions = await em.createQueryBuilder(ManualAction, 'a')
      .where({ sagaId: { $in: sagaIds } })
      .andWhere(`a.idempotency_key in (select idempotency_key from (
          select idempotency_key, row_number() over (partition by saga_id order by created_at desc, idempotency_key desc) as n
          from manual_action where saga_id = any(string_to_array(?, ',')::uuid[])) latest where n <= ?)`, [sagaIds.join(','), ENTRIES_PER_SAGA])
      .orderBy({ createdAt: 'asc', idempotencyKey: 'asc' })
      .getResultList();
    for (const record of await this.records(em, actions)) {
      const list = bySaga.get(record.sagaId);
      if (list) list.push(record);
      else bySaga.set(record.sagaId, [record]);
    }
    return bySaga;
  }

  /**
   * The records of actions whose saga exists, with final outcomes stored: each only where none is
   * stored yet, so of two readers racing the first outcome stays.
   */
  private async records(em: EntityManager, actions: ManualAction[]): Promise<AuditRecord[]> {
    if (actions.length === 0) return [];
    const sagas = await em.find(SagaInstance, { id: { $in: [...new Set(actions.map((a) => a.sagaId))] } }, { fields: ['state', 'businessKey', 'orderId'] });
    const byId = new Map(sagas.map((s) => [s.id, s]));
    const records: AuditRecord[] = [];
    const final: { id: string; outcome: Record<string, unknown> }[] = [];
    for (const action of actions) {
      const saga = byId.get(action.sagaId);
      if (!saga) continue;
      const record = toRecord(action, saga);
      if (!action.outcome && record.outcome.status !== 'PENDING') final.push({ id: action.idempotencyKey, outcome: record.outcome as unknown as Record<string, unknown> });
      records.push(record);
    }
    for (const f of final) await em.nativeUpdate(ManualAction, { idempotencyKey: f.id, outcome: null }, { outcome: f.outcome });
    return records;
  }
}

function toRecord(action: ManualAction, saga: Pick<SagaInstance, 'state' | 'businessKey' | 'orderId'>): AuditRecord {
  const request = action.request ?? {};
  const step = typeof request.step === 'string' ? request.step : null;
  return {
    id: action.idempotencyKey,
    sagaId: action.sagaId,
    // The order id of an order saga; another saga type's business key (as Saga.orderId gives it).
    orderId: saga.orderId ?? saga.businessKey,
    action: action.action,
    step,
    actor: action.actor,
    roles: action.roles.split(','),
    reason: action.reason ?? null,
    at: action.createdAt,
    stateBefore: action.stateBefore ?? null,
    // A stored outcome is final; otherwise judge it from the saga as it is now.
    outcome: (action.outcome as AuditOutcome | null | undefined) ?? auditOutcome(action.action, step, saga.state as unknown as AnySagaState),
  };
}
