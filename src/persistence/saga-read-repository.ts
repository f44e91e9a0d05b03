import type { MikroORM } from '@mikro-orm/postgresql';
import type { AnySagaState } from '../runtime/ports';

/** A saga as the read side sees it: the state plus its row bookkeeping. */
export interface SagaRecord {
  state: AnySagaState;
  version: number;
  eventSeq: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface SagaEventRecord {
  sagaId: string;
  seq: number;
  type: string;
  step: string | null;
  detail: Record<string, unknown>;
  actor: string;
  createdAt: Date;
}

interface SagaRow { state: AnySagaState; version: number; event_seq: number; created_at: Date; updated_at: Date }
interface EventRow { saga_id: string; seq: number; type: string; step: string | null; detail: Record<string, unknown>; actor: string; created_at: Date }

const SAGA_COLUMNS = 'state, version, event_seq, created_at, updated_at';

/** Read-only queries for the control plane; every one is a single indexed SQL statement. */
export class SagaReadRepository {
  constructor(private readonly orm: MikroORM) {}

  protected query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.orm.em.getConnection().execute<T[]>(sql, params, 'all');
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

  /** Event logs of several sagas in one query (after a sequence number, oldest first). */
  async eventsOf(sagaIds: string[], afterSeq = 0, limitPerSaga = 1000): Promise<Map<string, SagaEventRecord[]>> {
    const result = new Map<string, SagaEventRecord[]>(sagaIds.map((id) => [id, []]));
    const valid = sagaIds.filter(isUuid);
    if (valid.length === 0) return result;
    const rows = await this.query<EventRow>(
      `select saga_id, seq, type, step, detail, actor, created_at from saga_event
       where saga_id = any(string_to_array(?, ',')::uuid[]) and seq > ? and seq <= ? + ?
       order by saga_id, seq`,
      [valid.join(','), afterSeq, afterSeq, limitPerSaga],
    );
    for (const row of rows) result.get(row.saga_id)?.push(toEventRecord(row));
    return result;
  }

  /** One saga's events with sequence in (fromSeq, toSeq]: what a change notification announced. */
  async eventsBetween(sagaId: string, afterSeq: number, toSeq: number): Promise<SagaEventRecord[]> {
    const rows = await this.query<EventRow>(
      'select saga_id, seq, type, step, detail, actor, created_at from saga_event where saga_id = ? and seq > ? and seq <= ? order by seq',
      [sagaId, afterSeq, toSeq],
    );
    return rows.map(toEventRecord);
  }
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

export function toSagaRecord(row: SagaRow): SagaRecord {
  return { state: row.state, version: row.version, eventSeq: row.event_seq, createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at) };
}

function toEventRecord(row: EventRow): SagaEventRecord {
  return { sagaId: row.saga_id, seq: row.seq, type: row.type, step: row.step, detail: row.detail, actor: row.actor, createdAt: new Date(row.created_at) };
}
