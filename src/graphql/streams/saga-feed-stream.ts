import { isFeedPosition } from '../../persistence/saga-read-repository';
import { Alarm } from '../../runtime/alarm';
import { badInput } from '../guards';
import { bufferedStream, subscriberTooSlow } from './subscriber-buffer';
import type { ChangeSource, CommittedSagaChange, FeedEventRecord, FeedFilter, FeedPosition, SagaReads } from '../../runtime/ports';

export interface SagaFeedStreamDeps {
  changes: ChangeSource<CommittedSagaChange>;
  reads: Pick<SagaReads, 'feed'>;
}

const PAGE = 500;

export function encodeFeedCursor(p: FeedPosition): string {
  return Buffer.from(`${p.txId}:${p.id}`, 'utf8').toString('base64url');
}

export function decodeFeedCursor(cursor: string): FeedPosition {
  const match = /^(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !isFeedPosition({ txId: match[1], id: match[2] })) throw badInput('after is not a cursor this API returned', 'after');
  return { txId: match[1], id: match[2] };
}

/**
 * The cross-saga feed after a position, page by page from storage at the subscriber's pace (so it
 * never overflows its buffer); when there is nothing new it waits for a commit notice, a resync
 * or a second (older transactions finish without a notice of their own).
 */
export function sagaFeedStream(deps: SagaFeedStreamDeps, filter: FeedFilter, after: FeedPosition | null, capacity: number): AsyncIterableIterator<FeedEventRecord> {
  const tooSlow = (last?: FeedEventRecord) => subscriberTooSlow(capacity, { resumeAfter: last ? encodeFeedCursor(last.position) : null });
  return bufferedStream<FeedEventRecord>({ capacity, tooSlow }, (sink) => {
    // A notice or stop that arrives during a read rings the alarm, and the sleep below returns at once.
    const alarm = new Alarm();
    const unsubscribe = deps.changes.subscribe({ change: () => alarm.wake(), resync: () => alarm.wake() });
    void (async () => {
      let position = after;
      try {
        while (!sink.closed) {
          const page = await deps.reads.feed(position, filter, PAGE);
          for (const e of page) {
            position = e.position;
            await sink.pushWhenRoom(e);
          }
          if (page.length < PAGE) await alarm.sleep(1000);
        }
      } catch (error) {
        sink.fail(error);
      }
    })();
    return () => {
      unsubscribe();
      alarm.wake();
    };
  });
}
