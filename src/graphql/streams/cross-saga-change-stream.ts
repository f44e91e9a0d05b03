import { bufferedStream, subscriberTooSlow } from './subscriber-buffer';
import { afterCommit, type ChangeSource, type CommittedSagaChange, type FeedEventRecord, type FeedFilter, type FeedPosition, type SagaReads, type SagaRecord } from '../../runtime/ports';

export interface CrossSagaChangeStreamDeps {
  changes: ChangeSource<CommittedSagaChange>;
  reads: Pick<SagaReads, 'feed' | 'feedHead' | 'findManyByIds'>;
  /** Pause before reading storage again after a failed read (a resync can come while the database is still away). */
  retryMs?: number;
}

const PAGE = 500;
/** Failed reads in a row before the subscription ends with the error. */
const READ_ATTEMPTS = 30;
const RESYNC = 'resync' as const;

/**
 * Committed changes of every saga, mapped and filtered by `map`, from the subscription on. Live
 * changes come from the change source; after `resync` (the listener was away, or announced
 * changes could not be read) the events committed since the last position announced are read
 * from the feed (commit order; `filter` narrows them as `map` would, so nothing `map` keeps is
 * left out) and shown in commit order, with each saga as it is now, before the live changes queued
 * behind them. Events carry their commit position, so one that arrives both live and from the
 * catch-up is shown once. A subscriber that falls behind (its buffer full when a live change
 * comes, or more than `capacity` changes waiting behind a catch-up) is ended with SUBSCRIBER_TOO_SLOW.
 */
export function crossSagaChangeStream<T>(
  deps: CrossSagaChangeStreamDeps, filter: FeedFilter, capacity: number, map: (change: CommittedSagaChange) => T[],
): AsyncIterableIterator<T> {
  return bufferedStream<T>({ capacity, tooSlow: () => subscriberTooSlow(capacity) }, (sink) => {
    // Every event at or below `announced` was announced live, or committed before the subscription.
    let announced = 0n;
    // Every event of this stream at or below `caughtUp` was shown by a catch-up.
    let caughtUp = 0n;
    // While storage is read, what the source delivers waits here, in order (at most `capacity`).
    let reading = false;
    const waiting: (CommittedSagaChange | typeof RESYNC)[] = [];

    // Retried in place, so what waits behind it still waits for what it reads.
    const read = async <R>(query: () => Promise<R>): Promise<R> => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await query();
        } catch (error) {
          if (attempt >= READ_ATTEMPTS || sink.closed) throw error;
          await new Promise((resolve) => setTimeout(resolve, deps.retryMs ?? 1000));
        }
      }
    };
    // Live changes are pushed at once, as they come: one that does not fit ends the subscription.
    const live = (change: CommittedSagaChange) => {
      for (const e of change.events) if (e.commit && BigInt(e.commit) > announced) announced = BigInt(e.commit);
      // An event of an older release's transaction has no position: only ever shown live.
      const events = change.events.filter((e) => !e.commit || BigInt(e.commit) > caughtUp);
      if (events.length === 0 && change.events.length > 0) return;
      for (const item of map(events.length === change.events.length ? change : { ...change, events })) sink.push(item);
    };
    // A catch-up is pushed at the subscriber's pace.
    const catchUp = async () => {
      let after: FeedPosition = afterCommit(announced > caughtUp ? announced : caughtUp);
      for (;;) {
        const from = after;
        const page = await read(() => deps.reads.feed(from, filter, PAGE));
        if (page.length === 0) return;
        const ids = [...new Set(page.map((e) => e.sagaId))];
        const sagas = new Map((await read(() => deps.reads.findManyByIds(ids))).map((r) => [r.state.id, r]));
        for (const change of changesOf(page, sagas)) for (const item of map(change)) await sink.pushWhenRoom(item);
        after = page[page.length - 1].position;
        caughtUp = BigInt(after.commit);
        if (page.length < PAGE) return;
      }
    };
    const readThen = (task: () => Promise<void>) => {
      reading = true;
      task().then(() => {
        reading = false;
        drain();
      }, (error) => sink.fail(error));
    };
    const drain = () => {
      while (!reading && !sink.closed && waiting.length > 0) {
        const next = waiting.shift()!;
        if (next === RESYNC) readThen(catchUp);
        else live(next);
      }
    };
    const deliver = (item: CommittedSagaChange | typeof RESYNC) => {
      if (waiting.length >= capacity) { sink.overflow(); return; }
      waiting.push(item);
      drain();
    };

    // First, where the feed ends now: a catch-up never reads what committed before the subscription.
    readThen(async () => {
      const head = BigInt((await read(() => deps.reads.feedHead())).commit);
      if (head > announced) announced = head;
    });
    return deps.changes.subscribe({ change: deliver, resync: () => deliver(RESYNC) });
  });
}

/** Feed events as changes, one per run of one saga's events, in feed order, with the saga as read now. */
function changesOf(page: FeedEventRecord[], sagas: Map<string, SagaRecord>): CommittedSagaChange[] {
  const changes: CommittedSagaChange[] = [];
  for (const e of page) {
    const saga = sagas.get(e.sagaId);
    if (!saga) continue;
    const last = changes[changes.length - 1];
    if (last?.saga === saga) last.events.push(e);
    else changes.push({ saga, events: [e] });
  }
  return changes;
}
