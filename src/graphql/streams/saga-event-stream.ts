import { serialQueue } from './serial-queue';
import { bufferedStream, subscriberTooSlow } from './subscriber-buffer';
import type { ChangeSource, CommittedSagaChange, SagaEventRecord, SagaReads } from '../../runtime/ports';

export interface SagaEventStreamDeps {
  changes: ChangeSource<CommittedSagaChange>;
  reads: Pick<SagaReads, 'eventsOf' | 'eventsBetween'>;
}

const PAGE = 1000;

/**
 * One saga's events after `afterSequence`: first those stored, then live ones, with no gap and no
 * duplicate. The live subscription is made before the stored events are read, and an event is
 * passed on only if its sequence is the next one (a gap is filled from the log first), so an event
 * committed while the history is read is neither lost nor sent twice. After `resync` (the listener
 * was away) the log is read again from the last sequence sent. A subscriber that falls behind is
 * ended with SUBSCRIBER_TOO_SLOW and `resumeAfterSequence`, the last sequence it took.
 */
export function sagaEventStream(deps: SagaEventStreamDeps, sagaId: string, afterSequence: number, capacity: number): AsyncIterableIterator<SagaEventRecord> {
  const from = Math.max(0, afterSequence);
  const tooSlow = (lastTaken?: SagaEventRecord) => subscriberTooSlow(capacity, { resumeAfterSequence: lastTaken?.seq ?? from });
  return bufferedStream<SagaEventRecord>({ capacity, tooSlow }, (sink) => {
    let last = from; // the last sequence handed to the buffer
    const run = serialQueue(capacity, (error) => sink.fail(error), () => sink.overflow());
    const send = async (event: SagaEventRecord) => {
      last = event.seq;
      await sink.pushWhenRoom(event);
    };
    const deliver = async (events: SagaEventRecord[]) => {
      for (const e of events) {
        if (e.seq <= last) continue; // already sent
        if (e.seq > last + 1) {
          // Something in between was not in hand: read it from the log first.
          for (const m of await deps.reads.eventsBetween(sagaId, last, e.seq - 1)) if (m.seq === last + 1) await send(m);
          if (e.seq !== last + 1) continue;
        }
        await send(e);
      }
    };
    const readStored = async () => {
      for (;;) {
        const page = (await deps.reads.eventsOf([sagaId], last, PAGE)).get(sagaId) ?? [];
        await deliver(page);
        if (page.length < PAGE || sink.closed) return;
      }
    };
    // Listen first, then read the history: whatever commits in between is caught either way.
    const unsubscribe = deps.changes.subscribe({
      change: (change) => { if (change.saga.state.id === sagaId) run(() => deliver(change.events)); },
      resync: () => run(readStored),
    });
    run(readStored);
    return unsubscribe;
  });
}
