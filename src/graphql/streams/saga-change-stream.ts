import { serialQueue } from './serial-queue';
import { bufferedStream, subscriberTooSlow } from './subscriber-buffer';
import type { ChangeSource, CommittedSagaChange, SagaEventRecord, SagaReads, SagaRecord } from '../../runtime/ports';

export interface SagaChangeStreamDeps {
  changes: ChangeSource<CommittedSagaChange>;
  reads: Pick<SagaReads, 'findById' | 'eventsBetween'>;
}

/**
 * One saga's committed changes, each mapped to what the subscription yields. It remembers the
 * version and event sequence last shown, so every change after that arrives once, newest state
 * with every event since the last one shown; after `resync` (the listener was away) the saga is
 * read again and what changed meanwhile is shown as one change.
 */
export function sagaChangeStream<T>(deps: SagaChangeStreamDeps, sagaId: string, capacity: number, map: (change: CommittedSagaChange) => T[]): AsyncIterableIterator<T> {
  return bufferedStream<T>({ capacity, tooSlow: () => subscriberTooSlow(capacity) }, (sink) => {
    let shown: { version: number; eventSeq: number } | undefined;
    const run = serialQueue(capacity, (error) => sink.fail(error), () => sink.overflow());
    const show = async (saga: SagaRecord, given: SagaEventRecord[]) => {
      if (!shown || saga.version <= shown.version) return;
      const since = shown.eventSeq;
      let events = given.filter((e) => e.seq > since && e.seq <= saga.eventSeq);
      // The saga record may be newer than the notice (read later): take its events from the log.
      if (events.length !== saga.eventSeq - since) events = await deps.reads.eventsBetween(sagaId, since, saga.eventSeq);
      shown = { version: saga.version, eventSeq: Math.max(since, saga.eventSeq) };
      for (const item of map({ saga, events })) await sink.pushWhenRoom(item);
    };
    const reread = async () => {
      const saga = await deps.reads.findById(sagaId);
      if (saga) await show(saga, []);
    };
    const unsubscribe = deps.changes.subscribe({
      change: (change) => { if (change.saga.state.id === sagaId) run(() => show(change.saga, change.events)); },
      resync: () => run(reread),
    });
    // Where the saga is now: changes from here on are shown (a saga created later starts at 0).
    run(async () => {
      const saga = await deps.reads.findById(sagaId);
      shown = { version: saga?.version ?? 0, eventSeq: saga?.eventSeq ?? 0 };
    });
    return unsubscribe;
  });
}
