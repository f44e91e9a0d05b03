import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { isFailedEnd } from '../core';
import type { Logger } from '../logger';
import { permissionGuard } from './permissions';
import { ManualActionError, reusedKey, type ManualActionName } from './manual-actions';
import type { SagaProcessor } from './processor/saga-processor';
import type { BulkActionItemRecord, BulkActionRecord, BulkActionStore, BulkItemOutcome, SagaKey, SagaListFilter, SagaReads } from './ports';
import { isUuid } from './uuid';

export type BulkActionName = Extract<ManualActionName, 'compensate' | 'abort' | 'resume' | 'retryStep' | 'resendCommand'>;

/** Sagas acted on at the same time by one run (per bulk action; one instance holds its lease). */
export const BULK_CONCURRENCY = 4;
/** How long a run's lease lasts without renewal; another instance continues the run after it. */
export const BULK_LEASE_MS = 30_000;
/** How often an instance looks for runs whose lease ran out. */
export const BULK_POLL_MS = 5_000;
/** How long a preview's selection can be run. */
export const BULK_PREVIEW_TTL_MS = 15 * 60_000;
export const BULK_DEFAULT_LIMIT = 1000;
export const BULK_MAX_LIMIT = 10_000;

export interface BulkActionServiceDeps {
  repository: BulkActionStore;
  reads: Pick<SagaReads, 'list'>;
  commands: Pick<SagaProcessor, 'runManualAction'>;
  logger: Logger;
  concurrency?: number;
  leaseMs?: number;
  pollMs?: number;
  previewTtlMs?: number;
}

/** The per-saga idempotency key: a repeated or resumed run never acts twice on one saga. */
export const bulkItemKey = (bulkId: string, sagaId: string) => `bulk:${bulkId}:${sagaId}`;

/**
 * Bulk actions on a frozen selection. `preview` stores the saga ids a filter matches now; `run`
 * acts on exactly those, in the background, BULK_CONCURRENCY at a time, each through
 * runManualAction with a per-saga idempotency key, recording every outcome.
 *
 * Crash safety: the instance that runs a bulk action holds a lease on it and renews it while it
 * works; if it dies, its lease runs out and any instance's poller takes the run over and carries
 * on with the PENDING items. A saga acted on just before the crash (outcome not yet recorded) is
 * acted on again with the same key, which replays the first result instead of acting twice.
 */
export class BulkActionService {
  readonly instanceId = randomUUID();
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly previewTtlMs: number;
  private readonly running = new Map<string, Promise<void>>();
  private poller?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopping = false;

  constructor(private readonly deps: BulkActionServiceDeps) {
    this.concurrency = Math.max(1, deps.concurrency ?? BULK_CONCURRENCY);
    this.leaseMs = deps.leaseMs ?? BULK_LEASE_MS;
    this.pollMs = deps.pollMs ?? BULK_POLL_MS;
    this.previewTtlMs = deps.previewTtlMs ?? BULK_PREVIEW_TTL_MS;
  }

  /** Starts looking for runs to continue (at once, then every pollMs). */
  start(): void {
    const poll = () => {
      this.polling ??= this.takeOverExpired().catch((error) => this.deps.logger.error({ err: error }, 'bulk action poll failed')).finally(() => { this.polling = undefined; });
    };
    poll();
    this.poller = setInterval(poll, this.pollMs);
    this.poller.unref();
  }

  /** Stops taking items, waits for the ones in flight and hands the leases back. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.poller) clearInterval(this.poller);
    await this.polling;
    await Promise.all(this.running.values());
  }

  /** Selects the sagas the filter matches now (newest first, up to `limit`) and stores them. */
  async preview(p: {
    filter: SagaListFilter; filterInput: Record<string, unknown>; action: BulkActionName; step: string | null; limit: number; actor: string;
  }): Promise<{ bulk: BulkActionRecord; sagaIds: string[]; truncated: boolean }> {
    const needsStep = p.action === 'retryStep' || p.action === 'resendCommand';
    if (needsStep && !p.step) throw new ManualActionError('BAD_USER_INPUT', `${p.action} needs a step`);
    if (!needsStep && p.step) throw new ManualActionError('BAD_USER_INPUT', `${p.action} takes no step`);
    if (!Number.isInteger(p.limit) || p.limit < 1 || p.limit > BULK_MAX_LIMIT) throw new ManualActionError('BAD_USER_INPUT', `limit must be between 1 and ${BULK_MAX_LIMIT}, got ${p.limit}`, { argumentName: 'limit' });
    const items: { sagaId: string; version: number }[] = [];
    let after: SagaKey | null = null;
    let truncated = false;
    while (items.length < p.limit) {
      const page = await this.deps.reads.list(p.filter, Math.min(500, p.limit - items.length), after);
      for (const r of page.records) items.push({ sagaId: r.state.id, version: r.version });
      truncated = page.hasNextPage;
      if (!page.hasNextPage || page.records.length === 0) break;
      after = page.records[page.records.length - 1].key;
    }
    const id = randomUUID();
    await this.deps.repository.createPreview({
      id, action: p.action, step: p.step, filter: p.filterInput, createdBy: p.actor, expiresAt: new Date(Date.now() + this.previewTtlMs), items,
    });
    const bulk = await this.deps.repository.find(id);
    return { bulk: bulk!, sagaIds: items.map((i) => i.sagaId), truncated };
  }

  /**
   * Starts a previewed selection and returns at once; the items are processed in the background.
   * Repeating the request (same key, same token, same reason) returns the run's current state.
   */
  async run(p: { id: string; reason: string; idempotencyKey: string; actor: string; roles: string[] }): Promise<BulkActionRecord> {
    if (!isUuid(p.id)) throw new ManualActionError('NOT_FOUND', `no bulk action selection with token ${p.id}`);
    const prior = await this.deps.repository.findByRunKey(p.idempotencyKey);
    if (prior) {
      if (prior.id !== p.id || prior.reason !== p.reason) throw reusedKey(p.idempotencyKey);
      return prior;
    }
    let started: BulkActionRecord | null;
    try {
      started = await this.deps.repository.start(p.id, { ...p, owner: this.instanceId, leaseMs: this.leaseMs });
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw reusedKey(p.idempotencyKey);
      throw error;
    }
    if (!started) {
      const bulk = await this.deps.repository.find(p.id);
      if (!bulk) throw new ManualActionError('NOT_FOUND', `no bulk action selection with token ${p.id}`);
      if (bulk.status === 'PREVIEWED') throw new ManualActionError('SELECTION_EXPIRED', `the selection expired at ${bulk.expiresAt.toISOString()}; preview again`, { expiresAt: bulk.expiresAt.toISOString() });
      throw new ManualActionError('INVALID_STATE', `bulk action ${p.id} was already started (${bulk.status})`, { status: bulk.status });
    }
    this.deps.logger.info({ bulkActionId: p.id, action: started.action, total: started.total, actor: p.actor, reason: p.reason }, 'bulk action started');
    this.process(p.id);
    return started;
  }

  get(id: string): Promise<BulkActionRecord | null> {
    return this.deps.repository.find(id);
  }

  items(id: string, statuses: string[] | null, afterPosition: number, limit: number): Promise<BulkActionItemRecord[]> {
    return this.deps.repository.items(id, statuses, afterPosition, limit);
  }

  itemsAfterSeq(id: string, afterSeq: number, limit: number): Promise<BulkActionItemRecord[]> {
    return this.deps.repository.itemsAfterSeq(id, afterSeq, limit);
  }

  /** Continues runs whose lease ran out (their instance died or stopped). */
  private async takeOverExpired(): Promise<void> {
    while (!this.stopping) {
      const id = await this.deps.repository.claimExpiredLease(this.instanceId, this.leaseMs);
      if (!id) return;
      this.deps.logger.info({ bulkActionId: id }, 'continuing a bulk action whose lease ran out');
      this.process(id);
    }
  }

  /** Works through a run we hold the lease of, unless this instance already does. */
  private process(id: string): void {
    if (this.running.has(id)) return;
    const work = this.work(id)
      .catch((error) => this.deps.logger.error({ err: error, bulkActionId: id }, 'bulk action run interrupted; another poll will continue it'))
      .finally(() => this.running.delete(id));
    this.running.set(id, work);
  }

  private async work(id: string): Promise<void> {
    const bulk = await this.deps.repository.find(id);
    if (!bulk || bulk.status !== 'RUNNING') return;
    let lost = false;
    const renew = setInterval(() => {
      void this.deps.repository.renewLease(id, this.instanceId, this.leaseMs)
        .then((held) => { if (!held) lost = true; })
        .catch((error) => this.deps.logger.warn({ err: error, bulkActionId: id }, 'could not renew a bulk action lease'));
    }, Math.max(100, Math.floor(this.leaseMs / 3)));
    try {
      let after = 0;
      while (!this.stopping && !lost) {
        const page = await this.deps.repository.pendingItems(id, after, 100);
        if (page.length === 0) break;
        after = page[page.length - 1].position;
        // A pool of `concurrency` workers over the page: never more sagas in flight than that.
        let next = 0;
        const worker = async () => {
          while (!this.stopping && !lost && next < page.length) {
            const item = page[next++];
            await this.deps.repository.recordItem(id, item.sagaId, await this.actOn(bulk, item.sagaId));
          }
        };
        await Promise.all(Array.from({ length: Math.min(this.concurrency, page.length) }, worker));
      }
    } finally {
      clearInterval(renew);
    }
    if (this.stopping || lost) {
      if (!lost) await this.deps.repository.releaseLease(id, this.instanceId);
      return;
    }
    if (await this.deps.repository.finish(id)) {
      const done = await this.deps.repository.find(id);
      this.deps.logger.info({ bulkActionId: id, succeeded: done?.succeeded, failed: done?.failed, skipped: done?.skipped }, 'bulk action finished');
    }
  }

  /** One saga: the manual action as the operator who ran the bulk action, idempotent per saga. */
  private async actOn(bulk: BulkActionRecord, sagaId: string): Promise<BulkItemOutcome> {
    const startedAt = new Date();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.commands.runManualAction({
          action: bulk.action as BulkActionName, sagaId, step: bulk.step ?? undefined, reason: bulk.reason ?? '',
          actor: bulk.startedBy ?? bulk.createdBy, roles: bulk.startedRoles, idempotencyKey: bulkItemKey(bulk.id, sagaId),
          // The same per-saga permission check as a single mutation: a bulk run is no way around it.
          guard: permissionGuard(bulk.action as BulkActionName, bulk.step ?? undefined, bulk.startedRoles),
        });
        return { status: 'SUCCEEDED', code: null, message: null, startedAt, finishedAt: new Date() };
      } catch (error) {
        if (error instanceof ManualActionError) {
          const status = typeof error.details.status === 'string' ? error.details.status : null;
          if (error.code === 'INVALID_STATE' && status && alreadyThere(bulk.action, status)) {
            return { status: 'SKIPPED', code: 'ALREADY_DONE', message: `saga is already ${status}`, startedAt, finishedAt: new Date() };
          }
          return { status: 'FAILED', code: error.code, message: error.message, startedAt, finishedAt: new Date() };
        }
        // Not a refusal (e.g. the database hiccuped): retry a little, then record it as failed.
        if (attempt >= 3) {
          this.deps.logger.error({ err: error, bulkActionId: bulk.id, sagaId }, 'bulk action item failed');
          return { status: 'FAILED', code: 'INTERNAL_SERVER_ERROR', message: 'unexpected error; see the service log', startedAt, finishedAt: new Date() };
        }
        await sleep(200 * attempt);
      }
    }
  }
}

/** The saga is already where the action leads, so there is nothing to do (recorded SKIPPED). */
function alreadyThere(action: string, status: string): boolean {
  if (action === 'compensate') return status === 'COMPENSATING' || isFailedEnd(status);
  if (action === 'abort') return status === 'ABORTED';
  return false;
}
