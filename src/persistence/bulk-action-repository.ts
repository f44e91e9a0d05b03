import type { Knex, MikroORM } from '@mikro-orm/postgresql';
import type { BulkActionItemRecord, BulkActionRecord, BulkActionStore, BulkItemOutcome, BulkItemStatus, BulkProgressNotice } from '../runtime/ports';
import { isUuid } from '../runtime/uuid';
import { execute, selectRows } from './sql';

/** PostgreSQL channel announcing recorded bulk action progress to every instance (see bulk-progress-listener.ts). */
export const BULK_PROGRESS_CHANNEL = 'bulk_action_progress';

interface ActionRow {
  id: string; action: string; step: string | null; filter: Record<string, unknown>; status: string; total: number;
  succeeded: number; failed: number; skipped: number; created_by: string; created_at: Date | string; expires_at: Date | string;
  reason: string | null; run_idempotency_key: string | null; started_by: string | null; started_roles: string | null;
  started_at: Date | string | null; finished_at: Date | string | null;
}

interface ItemRow {
  saga_id: string; position: number; version_at_preview: number; status: BulkItemStatus; code: string | null; message: string | null;
  seq: number | null; started_at: Date | string | null; finished_at: Date | string | null;
}

const ITEM_COLUMNS = 'saga_id, position, version_at_preview, status, code, message, seq, started_at, finished_at';

/** Storage of bulk actions and their items; every write that records progress also NOTIFYs. */
export class BulkActionRepository implements BulkActionStore {
  constructor(private readonly orm: MikroORM) {}

  private get knex(): Knex {
    return this.orm.em.getKnex();
  }

  /** Stores a previewed selection: the action row and one PENDING item per saga, in order. */
  async createPreview(p: {
    id: string; action: string; step: string | null; filter: Record<string, unknown>; createdBy: string; expiresAt: Date;
    items: { sagaId: string; version: number }[];
  }): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await execute(trx,
        `insert into bulk_action (id, action, step, filter, status, total, succeeded, failed, skipped, created_by, created_at, expires_at)
         values (?, ?, ?, ?::jsonb, 'PREVIEWED', ?, 0, 0, 0, ?, now(), ?)`,
        [p.id, p.action, p.step, JSON.stringify(p.filter), p.items.length, p.createdBy, p.expiresAt]);
      if (p.items.length === 0) return;
      await execute(trx,
        `insert into bulk_action_item (bulk_action_id, saga_id, position, version_at_preview, status)
         select ?, s.saga_id, s.position, s.version, 'PENDING'
         from unnest(string_to_array(?, ',')::uuid[], string_to_array(?, ',')::int[]) with ordinality as s(saga_id, version, position)`,
        [p.id, p.items.map((i) => i.sagaId).join(','), p.items.map((i) => i.version).join(',')]);
    });
  }

  async find(id: string): Promise<BulkActionRecord | null> {
    if (!isUuid(id)) return null;
    const rows = await selectRows<ActionRow>(this.knex, 'select * from bulk_action where id = ?', [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findByRunKey(key: string): Promise<BulkActionRecord | null> {
    const rows = await selectRows<ActionRow>(this.knex, 'select * from bulk_action where run_idempotency_key = ?', [key]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * PREVIEWED and not expired -> RUNNING, leased to `owner`. Returns null when the row was not in
   * that state (the caller reads it again to say why). A key already used by another bulk action
   * fails with PostgreSQL's unique violation (23505).
   */
  async start(id: string, run: { reason: string; idempotencyKey: string; actor: string; roles: string[]; owner: string; leaseMs: number }): Promise<BulkActionRecord | null> {
    const rows = await selectRows<ActionRow>(this.knex,
      `update bulk_action set status = 'RUNNING', reason = ?, run_idempotency_key = ?, started_by = ?, started_roles = ?, started_at = now(),
              lease_owner = ?, lease_until = now() + make_interval(secs => ?)
       where id = ? and status = 'PREVIEWED' and expires_at > now()
       returning *`,
      [run.reason, run.idempotencyKey, run.actor, run.roles.join(','), run.owner, run.leaseMs / 1000, id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * Takes over one RUNNING bulk action whose lease ran out (its instance died or stopped); SKIP
   * LOCKED so instances polling at the same time take different ones.
   */
  async claimExpiredLease(owner: string, leaseMs: number): Promise<string | null> {
    const rows = await selectRows<{ id: string }>(this.knex,
      `update bulk_action set lease_owner = ?, lease_until = now() + make_interval(secs => ?)
       where id = (select id from bulk_action where status = 'RUNNING' and lease_until < now() order by started_at limit 1 for update skip locked)
       returning id`,
      [owner, leaseMs / 1000]);
    return rows[0]?.id ?? null;
  }

  /** Extends our lease; false when another instance holds it now. */
  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    return (await execute(this.knex,
      `update bulk_action set lease_until = now() + make_interval(secs => ?) where id = ? and lease_owner = ? and status = 'RUNNING'`,
      [leaseMs / 1000, id, owner])) > 0;
  }

  /** Lets another instance continue at once (graceful stop). */
  async releaseLease(id: string, owner: string): Promise<void> {
    await execute(this.knex, `update bulk_action set lease_until = now() - interval '1 second' where id = ? and lease_owner = ? and status = 'RUNNING'`, [id, owner]);
  }

  /** PENDING items after a position, in selection order. */
  async pendingItems(id: string, afterPosition: number, limit: number): Promise<{ sagaId: string; position: number }[]> {
    const rows = await selectRows<{ saga_id: string; position: number }>(this.knex,
      `select saga_id, position from bulk_action_item where bulk_action_id = ? and status = 'PENDING' and position > ? order by position limit ?`,
      [id, afterPosition, limit]);
    return rows.map((r) => ({ sagaId: r.saga_id, position: r.position }));
  }

  /**
   * Records one item's outcome, counts it and NOTIFYs, in one transaction. The bulk action's row
   * lock serialises recorders, so `seq` numbers outcomes without gaps. Returns the seq, or null
   * when the item was already recorded (by an instance whose lease ran out meanwhile).
   */
  async recordItem(id: string, sagaId: string, outcome: BulkItemOutcome): Promise<number | null> {
    return this.knex.transaction(async (trx) => {
      const counts = await selectRows<{ done: number }>(trx, 'select succeeded + failed + skipped as done from bulk_action where id = ? for update', [id]);
      if (!counts[0]) return null;
      const seq = counts[0].done + 1;
      const changed = await execute(trx,
        `update bulk_action_item set status = ?, code = ?, message = ?, seq = ?, started_at = ?, finished_at = ?
         where bulk_action_id = ? and saga_id = ? and status = 'PENDING'`,
        [outcome.status, outcome.code, outcome.message, seq, outcome.startedAt, outcome.finishedAt, id, sagaId]);
      if (changed === 0) return null;
      const column = outcome.status === 'SUCCEEDED' ? 'succeeded' : outcome.status === 'FAILED' ? 'failed' : 'skipped';
      await execute(trx, `update bulk_action set ${column} = ${column} + 1 where id = ?`, [id]);
      await notify(trx, { b: id, q: seq, k: 'ITEM' });
      return seq;
    });
  }

  /** RUNNING -> FINISHED once no item is PENDING; NOTIFYs the summary. False while items remain. */
  async finish(id: string): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      const changed = await execute(trx,
        `update bulk_action set status = 'FINISHED', finished_at = now(), lease_owner = null, lease_until = null
         where id = ? and status = 'RUNNING' and not exists (select 1 from bulk_action_item where bulk_action_id = ? and status = 'PENDING')`,
        [id, id]);
      if (changed > 0) await notify(trx, { b: id, q: 0, k: 'SUMMARY' });
      return changed > 0;
    });
  }

  /** Recorded items with seq > afterSeq, in the order they were recorded. */
  async itemsAfterSeq(id: string, afterSeq: number, limit: number): Promise<BulkActionItemRecord[]> {
    const rows = await selectRows<ItemRow>(this.knex,
      `select ${ITEM_COLUMNS} from bulk_action_item where bulk_action_id = ? and seq > ? order by seq limit ?`, [id, afterSeq, limit]);
    return rows.map(toItem);
  }

  /** Items in selection order, optionally only some statuses, after a position. */
  async items(id: string, statuses: string[] | null, afterPosition: number, limit: number): Promise<BulkActionItemRecord[]> {
    const where = ['bulk_action_id = ?', 'position > ?'];
    const params: unknown[] = [id, afterPosition];
    if (statuses) {
      where.push(`status = any(string_to_array(?, ','))`);
      params.push(statuses.join(','));
    }
    const rows = await selectRows<ItemRow>(this.knex,
      `select ${ITEM_COLUMNS} from bulk_action_item where ${where.join(' and ')} order by position limit ?`, [...params, limit]);
    return rows.map(toItem);
  }
}

async function notify(trx: Knex, notice: BulkProgressNotice): Promise<void> {
  await selectRows(trx, 'select pg_notify(?, ?)', [BULK_PROGRESS_CHANNEL, JSON.stringify(notice)]);
}

function toRecord(r: ActionRow): BulkActionRecord {
  return {
    id: r.id, action: r.action, step: r.step, filter: r.filter, status: r.status, total: r.total,
    succeeded: r.succeeded, failed: r.failed, skipped: r.skipped, createdBy: r.created_by, createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at), reason: r.reason, runIdempotencyKey: r.run_idempotency_key, startedBy: r.started_by,
    startedRoles: r.started_roles ? r.started_roles.split(',') : [], startedAt: dateOrNull(r.started_at), finishedAt: dateOrNull(r.finished_at),
  };
}

function toItem(r: ItemRow): BulkActionItemRecord {
  return {
    sagaId: r.saga_id, position: r.position, versionAtPreview: r.version_at_preview, status: r.status, code: r.code,
    message: r.message, seq: r.seq, startedAt: dateOrNull(r.started_at), finishedAt: dateOrNull(r.finished_at),
  };
}

/** Timestamps come back as strings through knex here; the records carry Dates. */
function dateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : new Date(value);
}
