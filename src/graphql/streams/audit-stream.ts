import { serialQueue } from './serial-queue';
import { bufferedStream, subscriberTooSlow } from './subscriber-buffer';
import type { AuditLog, AuditRecord, ChangeSource, CommittedSagaChange } from '../../runtime/ports';

export interface AuditStreamDeps {
  changes: ChangeSource<CommittedSagaChange>;
  audit: Pick<AuditLog, 'ofSaga' | 'list'>;
}

export interface AuditStreamFilter {
  sagaId?: string;
  actor?: string;
  action?: string;
  outcome?: string;
}

/** Entries re-read after a resync (the listener was away) to find manual actions recorded meanwhile. */
const RESYNC_ENTRIES = 500;

/**
 * Audit entries as they are recorded and again when their outcome becomes known: on every
 * committed change of a saga with manual actions, its entries are re-read and those whose outcome
 * is new to this subscriber are sent. After `resync` the entries recorded since the subscription
 * began and those of every saga already followed are read again.
 */
export function auditStream(deps: AuditStreamDeps, filter: AuditStreamFilter, capacity: number): AsyncIterableIterator<AuditRecord> {
  const subscribedAt = new Date();
  return bufferedStream<AuditRecord>({ capacity, tooSlow: () => subscriberTooSlow(capacity) }, (sink) => {
    const emitted = new Map<string, string>();
    const followed = new Set<string>(filter.sagaId ? [filter.sagaId] : []);
    const run = serialQueue(capacity, (error) => sink.fail(error), () => sink.overflow());
    const readSaga = async (sagaId: string) => {
      for (const entry of await deps.audit.ofSaga(sagaId)) {
        if (filter.actor && entry.actor !== filter.actor) continue;
        if (filter.action && entry.action !== filter.action) continue;
        if (filter.outcome && entry.outcome.status !== filter.outcome) continue;
        const key = `${sagaId}/${entry.id}`;
        if (emitted.get(key) === entry.outcome.status) continue;
        emitted.set(key, entry.outcome.status);
        followed.add(sagaId);
        await sink.pushWhenRoom(entry);
      }
    };
    const unsubscribe = deps.changes.subscribe({
      change: (change) => {
        const sagaId = change.saga.state.id;
        if (filter.sagaId && filter.sagaId !== sagaId) return;
        // Only sagas with manual actions matter; a saga gets one through a MANUAL_ACTION event.
        if (!change.events.some((e) => e.type === 'MANUAL_ACTION') && !followed.has(sagaId)) return;
        run(() => readSaga(sagaId));
      },
      resync: () => run(async () => {
        const recent = await deps.audit.list({ sagaId: filter.sagaId, actor: filter.actor, action: filter.action, since: subscribedAt }, RESYNC_ENTRIES);
        for (const sagaId of new Set([...followed, ...recent.map((e) => e.sagaId)])) await readSaga(sagaId);
      }),
    });
    return unsubscribe;
  });
}
