import type { MikroORM } from '@mikro-orm/postgresql';
import {
  afterCommit, MAX_BIGINT, type AnySagaState, type FeedEventRecord, type FeedFilter, type FeedPosition, type LegacyFeedPosition, type OutboxLocation, type SagaEventRecord,
  type SagaKey, type SagaListFilter, type SagaPage, type SagaReads, type SagaRecord, type SagaStatsRow,
} from '../runtime/ports';
import { isUuid } from '../runtime/uuid';
import { selectRows } from './sql';

interface SagaRow { state: AnySagaState; version: number; event_seq: number; created_at: Date; updated_at: Date }
interface PageRow extends SagaRow { cursor_at: string; id: string }

/** Statuses a saga can still move on from by itself (see isTerminal in src/core/state.ts). */
const IN_FLIGHT = ['RUNNING', 'COMPENSATING'];

interface EventRow { saga_id: string; seq: number; type: string; step: string | null; detail: Record<string, unknown>; actor: string; created_at: Date }

const SAGA_COLUMNS = 'state, version, event_seq, created_at, updated_at';

/** Read-only queries for the control plane; every one is a single SQL statement on indexed columns. */
export class SagaReadRepository implements SagaReads {
  constructor(private readonly orm: MikroORM) {}

  protected query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return selectRows<T>(this.orm.em.getKnex(), sql, params);
  }

  async findById(id: string): Promise<SagaRecord | null> {
    if (!isUuid(id)) return null;
    const rows = await this.query<SagaRow>(`select ${SAGA_COLUMNS} from saga_instance where id = ?`, [id]);
    return rows[0] ? toSagaRecord(rows[0]) : null;
  }

  async findByOrderId(orderId: string): Promise<SagaRecord | null> {
    if (!isUuid(orderId)) return null;
    const rows = await this.query<SagaRow>(`select ${SAGA_COLUMNS} from saga_instance where order_id = ?`, [orderId]);
    return rows[0] ? toSagaRecord(rows[0]) : null;
  }

  async findManyByIds(ids: string[]): Promise<SagaRecord[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await this.query<SagaRow>(`select ${SAGA_COLUMNS} from saga_instance where id = any(string_to_array(?, ',')::uuid[])`, [valid.join(',')]);
    return rows.map(toSagaRecord);
  }

  /**
   * One page of sagas, newest first by (created_at desc, id desc), after a keyset position.
   * Sagas created later sort before the first page, so they never shift a later one.
   * Fetches limit + 1 rows to know whether there is a next page. Uses the (created_at, id) index.
   */
  async list(filter: SagaListFilter, limit: number, after: SagaKey | null): Promise<SagaPage> {
    const { where, params } = filterSql(filter);
    if (after) {
      where.push('(created_at, id) < (?::timestamptz, ?::uuid)');
      params.push(after.createdAt, after.id);
    }
    const rows = await this.query<PageRow>(
      `select id, ${SAGA_COLUMNS}, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
       from saga_instance ${whereClause(where)}
       order by created_at desc, id desc
       limit ?`,
      [...params, limit + 1],
    );
    return {
      records: rows.slice(0, limit).map((row) => ({ ...toSagaRecord(row), key: { createdAt: row.cursor_at, id: row.id } })),
      hasNextPage: rows.length > limit,
    };
  }

  /** How many sagas match the filter (no keyset position). */
  async count(filter: SagaListFilter): Promise<number> {
    const { where, params } = filterSql(filter);
    const rows = await this.query<{ n: number }>(`select count(*)::int as n from saga_instance ${whereClause(where)}`, params);
    return rows[0]?.n ?? 0;
  }

  /**
   * Dashboard numbers in one statement: per status of the sagas started since `since`
   * (created_at index), in flight of all time (status index), and the median and 95th percentile
   * duration of the sagas that ended since `since` (ended_at index).
   */
  async stats(since: Date): Promise<SagaStatsRow> {
    const rows = await this.query<{ by_status: { status: string; count: number }[]; in_flight: number; ended: number; p50: number | null; p95: number | null }>(
      `select
         coalesce((select json_agg(json_build_object('status', s.status, 'count', s.n))
                   from (select status, count(*)::int as n from saga_instance where created_at >= ? group by status) s), '[]'::json) as by_status,
         (select count(*)::int from saga_instance where status = any(?::text[])) as in_flight,
         d.ended, d.p50, d.p95
       from (
         select count(*)::int as ended,
                percentile_cont(0.5) within group (order by ms) as p50,
                percentile_cont(0.95) within group (order by ms) as p95
         from (select extract(epoch from ended_at - created_at) * 1000 as ms from saga_instance where ended_at >= ?) e
       ) d`,
      [since, `{${IN_FLIGHT.join(',')}}`, since],
    );
    const row = rows[0];
    const num = (v: number | string | null) => (v === null ? null : Number(v));
    return { byStatus: row.by_status, inFlight: row.in_flight, endedInWindow: row.ended, p50Ms: num(row.p50), p95Ms: num(row.p95) };
  }

  /** Event logs of several sagas in one query (after a sequence number, oldest first). */
  async eventsOf(sagaIds: string[], afterSeq = 0, limitPerSaga = 1000): Promise<Map<string, SagaEventRecord[]>> {
    const result = new Map<string, SagaEventRecord[]>(sagaIds.map((id) => [id, []]));
    const valid = sagaIds.filter(isUuid);
    if (valid.length === 0) return result;
    const rows = await this.query<EventRow>(
      `select saga_id, seq, type, step, detail, actor, created_at from saga_event
       where saga_id = any(string_to_array(?, ',')::uuid[]) and seq > ?::int and seq <= ?::int + ?::int
       order by saga_id, seq`,
      [valid.join(','), afterSeq, afterSeq, limitPerSaga],
    );
    for (const row of rows) result.get(row.saga_id)?.push(toEventRecord(row));
    return result;
  }

  /**
   * The cross-saga event feed after a position, in commit order: by the writing transaction's
   * commit position, then row id (saga_event_commit). Positions are taken in commit order under a
   * lock held until commit, so every position this statement sees has every lower one committed
   * or rolled back: an event can never commit behind a position a reader already passed, and one
   * saga's events come in sequence order. A legacy position (transaction id, row id) was handed
   * out by the feed ordered by those, which only ever showed transactions older than every one
   * still running: exactly the events up to it in that order have been seen, so the rest follow
   * in commit order (and the next cursor is a commit position).
   */
  async feed(after: FeedPosition | LegacyFeedPosition | null, filter: FeedFilter, limit: number): Promise<FeedEventRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (after && 'commit' in after) {
      where.push('c.position >= ?::bigint and (c.position > ?::bigint or e.id > ?::bigint)');
      params.push(after.commit, after.commit, after.id);
    } else if (after) {
      where.push('(e.tx_id, e.id) > (?::text::xid8, ?::bigint)');
      params.push(after.txId, after.id);
    }
    if (filter.sagaType) { where.push('s.type = ?'); params.push(filter.sagaType); }
    if (filter.eventTypes?.length) { where.push("e.type = any(string_to_array(?, ','))"); params.push(filter.eventTypes.join(',')); }
    if (filter.step) { where.push('e.step = ?'); params.push(filter.step); }
    if (filter.stepsOnly) where.push('e.step is not null');
    if (filter.sagaStatuses?.length) { where.push("s.status = any(string_to_array(?, ','))"); params.push(filter.sagaStatuses.join(',')); }
    if (filter.sagaId) { where.push('e.saga_id = ?::uuid'); params.push(filter.sagaId); }
    params.push(limit);
    const rows = await this.query<EventRow & { id: string; position: string; saga_type: string; saga_status: string }>(
      `select e.id, c.position::text as position, e.saga_id, e.seq, e.type, e.step, e.detail, e.actor, e.created_at,
              s.type as saga_type, s.status as saga_status
       from saga_event_commit c join saga_event e on e.tx_id = c.tx_id join saga_instance s on s.id = e.saga_id
       ${whereClause(where)} order by c.position, e.id limit ?`,
      params,
    );
    return rows.map((r) => ({
      ...toEventRecord(r), commit: r.position, position: { commit: r.position, id: String(r.id) }, sagaType: r.saga_type, sagaStatus: r.saga_status,
    }));
  }

  async feedHead(): Promise<FeedPosition> {
    const rows = await this.query<{ position: string }>('select coalesce(max(position), 0)::text as position from saga_event_commit');
    return afterCommit(rows[0].position);
  }

  /** Per saga (one query for many): where the latest copy of each outbox message went (topic, partition, offset), by eventId. */
  async outboxLocations(sagaIds: string[]): Promise<Map<string, Map<string, OutboxLocation>>> {
    const bySaga = new Map<string, Map<string, OutboxLocation>>();
    if (sagaIds.length === 0) return bySaga;
    const rows = await this.query<{ saga_id: string; event_id: string; topic: string; partition: number | null; offset: string | null; published_at: Date | null }>(
      `select distinct on (event_id) saga_id, event_id, topic, partition, "offset", published_at from outbox_message
       where saga_id = any(string_to_array(?, ',')::uuid[]) order by event_id, id desc`,
      [sagaIds.join(',')],
    );
    for (const r of rows) {
      const locations = bySaga.get(r.saga_id) ?? new Map<string, OutboxLocation>();
      bySaga.set(r.saga_id, locations);
      locations.set(r.event_id, {
        eventId: r.event_id, topic: r.topic, partition: r.partition, offset: r.offset === null ? null : String(r.offset),
        publishedAt: r.published_at ? new Date(r.published_at) : null,
      });
    }
    return bySaga;
  }

  /** One saga's events with sequence in (fromSeq, toSeq]: what a change notification announced. */
  async eventsBetween(sagaId: string, afterSeq: number, toSeq: number): Promise<SagaEventRecord[]> {
    const rows = await this.query<EventRow & { position: string | null }>(
      `select e.saga_id, e.seq, e.type, e.step, e.detail, e.actor, e.created_at, c.position::text as position
       from saga_event e left join saga_event_commit c on c.tx_id = e.tx_id
       where e.saga_id = ? and e.seq > ? and e.seq <= ? order by e.seq`,
      [sagaId, afterSeq, toSeq],
    );
    return rows.map((r) => ({ ...toEventRecord(r), commit: r.position }));
  }
}

function filterSql(filter: SagaListFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.statuses) {
    // An empty list matches nothing, as `status in ()` would.
    where.push('status = any(?::text[])');
    params.push(`{${filter.statuses.join(',')}}`);
  }
  if (filter.type) { where.push('type = ?'); params.push(filter.type); }
  if (filter.orderId) {
    // Not a uuid: no saga has it (and the cast would fail).
    if (!isUuid(filter.orderId)) where.push('false');
    else { where.push('order_id = ?::uuid'); params.push(filter.orderId); }
  }
  if (filter.businessKey) { where.push('business_key = ?'); params.push(filter.businessKey); }
  if (filter.customerId) { where.push('customer_id = ?'); params.push(filter.customerId); }
  if (filter.startedAfter) { where.push('created_at >= ?'); params.push(filter.startedAfter); }
  if (filter.startedBefore) { where.push('created_at < ?'); params.push(filter.startedBefore); }
  if (filter.noProgressSince) {
    where.push('status = any(?::text[]) and updated_at < ?');
    params.push(`{${IN_FLIGHT.join(',')}}`, filter.noProgressSince);
  }
  if (filter.paymentMethod) { where.push('payment_methods @> array[?::text]'); params.push(filter.paymentMethod); }
  if (filter.minAmount) { where.push('total_amount >= ?::numeric'); params.push(filter.minAmount); }
  if (filter.maxAmount) { where.push('total_amount <= ?::numeric'); params.push(filter.maxAmount); }
  if (filter.failedStep) { where.push('failed_step = ?'); params.push(filter.failedStep); }
  if (filter.lastErrorText) { where.push('last_error ilike ?'); params.push(`%${escapeLike(filter.lastErrorText)}%`); }
  return { where, params };
}

/** The text as a LIKE pattern matching itself only (backslash is LIKE's default escape). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const whereClause = (where: string[]) => (where.length > 0 ? `where ${where.join(' and ')}` : '');

/** xid8 and bigint ranges: a position outside them would make PostgreSQL refuse the feed query. */
const MAX_XID8 = 18446744073709551615n;

const isBigint = (text: string) => /^\d{1,19}$/.test(text) && BigInt(text) <= MAX_BIGINT;

/** A feed position the feed query's casts accept (decimal digits within bigint, or xid8 for a legacy transaction id). */
export function isFeedPosition(position: FeedPosition | LegacyFeedPosition): boolean {
  if ('commit' in position) return isBigint(position.commit) && isBigint(position.id);
  return /^\d{1,20}$/.test(position.txId) && BigInt(position.txId) <= MAX_XID8 && isBigint(position.id);
}

export function toSagaRecord(row: SagaRow): SagaRecord {
  return { state: row.state, version: row.version, eventSeq: row.event_seq, createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at) };
}

function toEventRecord(row: EventRow): SagaEventRecord {
  return { sagaId: row.saga_id, seq: row.seq, type: row.type, step: row.step, detail: row.detail, actor: row.actor, createdAt: new Date(row.created_at) };
}
