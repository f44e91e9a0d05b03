import { LockMode, raw, type EntityManager, type MikroORM } from '@mikro-orm/postgresql';
import type { BulkActionItemRecord, BulkActionRecord, BulkActionStore, BulkItemOutcome, BulkItemStatus, BulkProgressNotice } from '../runtime/ports';
import { isUuid } from '../runtime/uuid';
import { BULK_PROGRESS_CHANNEL, encodeBulkProgressNotice } from './bulk-progress-notice';
import { BulkAction, BulkActionItem } from './entities';

/** Items per insert statement of a preview: well under PostgreSQL's 65535 bind parameters. */
const ITEMS_PER_INSERT = 2000;

/** The database's clock, so every instance judges leases and expiry by the same one. */
const now = () => raw('now()');
const nowPlus = (ms: number) => raw('now() + make_interval(secs => ?)', [ms / 1000]);

/**
 * Storage of bulk actions and their items through MikroORM's EntityManager (a cold path: a few
 * statements per saga of a run, next to the saga transaction the action itself costs). Each
 * method is one unit of work on a fork of its own; every write that records progress NOTIFYs in
 * the same transaction, so listeners hear of it only once it is committed.
 */
export class BulkActionRepository implements BulkActionStore {
  constructor(private readonly orm: MikroORM) {}

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  /** Stores a previewed selection: the action row and one PENDING item per saga, in order. */
  async createPreview(p: {
    id: string; action: string; step: string | null; filter: Record<string, unknown>; createdBy: string; expiresAt: Date;
    items: { sagaId: string; version: number }[];
  }): Promise<void> {
    await this.em().transactional(async (em) => {
      await em.insert(BulkAction, {
        id: p.id, action: p.action, step: p.step, filter: p.filter, status: 'PREVIEWED', total: p.items.length,
        succeeded: 0, failed: 0, skipped: 0, createdBy: p.createdBy, createdAt: now(), expiresAt: p.expiresAt,
      });
      const items = p.items.map((item, i) => ({
        bulkActionId: p.id, sagaId: item.sagaId, position: i + 1, versionAtPreview: item.version, status: 'PENDING',
      }));
      for (let i = 0; i < items.length; i += ITEMS_PER_INSERT) await em.insertMany(BulkActionItem, items.slice(i, i + ITEMS_PER_INSERT));
    });
  }

  async find(id: string): Promise<BulkActionRecord | null> {
    if (!isUuid(id)) return null;
    const action = await this.em().findOne(BulkAction, { id });
    return action ? toRecord(action) : null;
  }

  async findByRunKey(key: string): Promise<BulkActionRecord | null> {
    const action = await this.em().findOne(BulkAction, { runIdempotencyKey: key });
    return action ? toRecord(action) : null;
  }

  /**
   * PREVIEWED and not expired -> RUNNING, leased to `owner`. Returns null when the row was not in
   * that state (the caller reads it again to say why). A key already used by another bulk action
   * fails with PostgreSQL's unique violation (23505).
   */
  async start(id: string, run: { reason: string; idempotencyKey: string; actor: string; roles: string[]; owner: string; leaseMs: number }): Promise<BulkActionRecord | null> {
    return this.em().transactional(async (em) => {
      const started = await em.nativeUpdate(BulkAction, { id, status: 'PREVIEWED', expiresAt: { $gt: now() } }, {
        status: 'RUNNING', reason: run.reason, runIdempotencyKey: run.idempotencyKey, startedBy: run.actor, startedRoles: run.roles.join(','),
        startedAt: now(), leaseOwner: run.owner, leaseUntil: nowPlus(run.leaseMs),
      });
      return started > 0 ? toRecord(await em.findOneOrFail(BulkAction, { id })) : null;
    });
  }

  /**
   * Takes over one RUNNING bulk action whose lease ran out (its instance died or stopped); SKIP
   * LOCKED so instances polling at the same time take different ones.
   */
  async claimExpiredLease(owner: string, leaseMs: number): Promise<string | null> {
    return this.em().transactional(async (em) => {
      const expired = await em.findOne(BulkAction, { status: 'RUNNING', leaseUntil: { $lt: now() } }, {
        fields: ['id'], orderBy: { startedAt: 'asc' }, lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE,
      });
      if (!expired) return null;
      await em.nativeUpdate(BulkAction, { id: expired.id }, { leaseOwner: owner, leaseUntil: nowPlus(leaseMs) });
      return expired.id;
    });
  }

  /** Extends our lease; false when another instance holds it now. */
  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    return (await this.em().nativeUpdate(BulkAction, { id, leaseOwner: owner, status: 'RUNNING' }, { leaseUntil: nowPlus(leaseMs) })) > 0;
  }

  /** Lets another instance continue at once (graceful stop). */
  async releaseLease(id: string, owner: string): Promise<void> {
    await this.em().nativeUpdate(BulkAction, { id, leaseOwner: owner, status: 'RUNNING' }, { leaseUntil: raw("now() - interval '1 second'") });
  }

  /** PENDING items after a position, in selection order. */
  async pendingItems(id: string, afterPosition: number, limit: number): Promise<{ sagaId: string; position: number }[]> {
    const items = await this.em().find(BulkActionItem, { bulkActionId: id, status: 'PENDING', position: { $gt: afterPosition } }, {
      fields: ['sagaId', 'position'], orderBy: { position: 'asc' }, limit,
    });
    return items.map((item) => ({ sagaId: item.sagaId, position: item.position }));
  }

  /**
   * Records one item's outcome, counts it and NOTIFYs, in one transaction. The bulk action's row
   * lock serialises recorders, so `seq` numbers outcomes without gaps. Returns the seq, or null
   * when the item was already recorded (by an instance whose lease ran out meanwhile).
   */
  async recordItem(id: string, sagaId: string, outcome: BulkItemOutcome): Promise<number | null> {
    return this.em().transactional(async (em) => {
      const action = await em.findOne(BulkAction, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!action) return null;
      const seq = action.succeeded + action.failed + action.skipped + 1;
      const recorded = await em.nativeUpdate(BulkActionItem, { bulkActionId: id, sagaId, status: 'PENDING' }, {
        status: outcome.status, code: outcome.code, message: outcome.message, seq, startedAt: outcome.startedAt, finishedAt: outcome.finishedAt,
      });
      if (recorded === 0) return null;
      if (outcome.status === 'SUCCEEDED') action.succeeded += 1;
      else if (outcome.status === 'FAILED') action.failed += 1;
      else action.skipped += 1;
      await em.flush();
      await notify(em, { bulkActionId: id, itemSeq: seq, kind: 'ITEM' });
      return seq;
    });
  }

  /**
   * RUNNING -> FINISHED once no item is PENDING; NOTIFYs the summary. False while items remain.
   * The row lock orders it after any recordItem in progress, so no item turns up recorded late.
   */
  async finish(id: string): Promise<boolean> {
    return this.em().transactional(async (em) => {
      const action = await em.findOne(BulkAction, { id, status: 'RUNNING' }, { fields: ['id'], lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!action) return false;
      if (await em.count(BulkActionItem, { bulkActionId: id, status: 'PENDING' }) > 0) return false;
      await em.nativeUpdate(BulkAction, { id }, { status: 'FINISHED', finishedAt: now(), leaseOwner: null, leaseUntil: null });
      await notify(em, { bulkActionId: id, itemSeq: 0, kind: 'SUMMARY' });
      return true;
    });
  }

  /** Recorded items with seq > afterSeq, in the order they were recorded. */
  async itemsAfterSeq(id: string, afterSeq: number, limit: number): Promise<BulkActionItemRecord[]> {
    const items = await this.em().find(BulkActionItem, { bulkActionId: id, seq: { $gt: afterSeq } }, { orderBy: { seq: 'asc' }, limit });
    return items.map(toItem);
  }

  /** Items in selection order, optionally only some statuses, after a position. */
  async items(id: string, statuses: string[] | null, afterPosition: number, limit: number): Promise<BulkActionItemRecord[]> {
    const items = await this.em().find(BulkActionItem, {
      bulkActionId: id, position: { $gt: afterPosition }, ...(statuses ? { status: { $in: statuses } } : {}),
    }, { orderBy: { position: 'asc' }, limit });
    return items.map(toItem);
  }
}

/** NOTIFY on the transaction's connection: delivered once it commits, never for a rollback. */
async function notify(em: EntityManager, notice: BulkProgressNotice): Promise<void> {
  await em.execute('select pg_notify(?, ?)', [BULK_PROGRESS_CHANNEL, encodeBulkProgressNotice(notice)]);
}

function toRecord(a: BulkAction): BulkActionRecord {
  return {
    id: a.id, action: a.action, step: a.step ?? null, filter: a.filter, status: a.status, total: a.total,
    succeeded: a.succeeded, failed: a.failed, skipped: a.skipped, createdBy: a.createdBy, createdAt: a.createdAt,
    expiresAt: a.expiresAt, reason: a.reason ?? null, runIdempotencyKey: a.runIdempotencyKey ?? null, startedBy: a.startedBy ?? null,
    startedRoles: a.startedRoles ? a.startedRoles.split(',') : [], startedAt: a.startedAt ?? null, finishedAt: a.finishedAt ?? null,
  };
}

function toItem(i: BulkActionItem): BulkActionItemRecord {
  return {
    sagaId: i.sagaId, position: i.position, versionAtPreview: i.versionAtPreview, status: i.status as BulkItemStatus, code: i.code ?? null,
    message: i.message ?? null, seq: i.seq ?? null, startedAt: i.startedAt ?? null, finishedAt: i.finishedAt ?? null,
  };
}
