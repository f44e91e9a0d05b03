import { isFeedPosition } from '../../persistence/saga-read-repository';
import { Alarm } from '../../runtime/alarm';
import { badInput } from '../guards';
import { bufferedStream, subscriberTooSlow } from './subscriber-buffer';
import type { ChangeSource, CommittedSagaChange, FeedEventRecord, FeedFilter, FeedPosition, LegacyFeedPosition, SagaReads } from '../../runtime/ports';

export interface SagaFeedStreamDeps {
  changes: ChangeSource<CommittedSagaChange>;
  reads: Pick<SagaReads, 'feed'>;
}

const PAGE = 500;

/** `c:<commit position>:<event row id>`, base64url. */
export function encodeFeedCursor(p: FeedPosition): string {
  return Buffer.from(`c:${p.commit}:${p.id}`, 'utf8').toString('base64url');
}

/**
 * A cursor this API returned: `c:<commit position>:<row id>`, or `<transaction id>:<row id>` as
 * cursors were before commit positions (still accepted: the feed resumes exactly after it).
 */
export function decodeFeedCursor(cursor: string): FeedPosition | LegacyFeedPosition {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const current = /^c:(\d+):(\d+)$/.exec(text);
  const legacy = /^(\d+):(\d+)$/.exec(text);
  const position = current ? { commit: current[1], id: current[2] } : legacy ? { txId: legacy[1], id: legacy[2] } : null;
  if (!position || !isFeedPosition(position)) throw badInput('after is not a cursor this API returned', 'after');
  return position;
}

/**
 * The cross-saga feed after a position, page by page from storage at the subscriber's pace (so it
 * never overflows its buffer); when there is nothing new it waits for a commit notice, a resync
 * or a second (the fallback should a notice not come, e.g. one an older release did not send).
 */
export function sagaFeedStream(deps: SagaFeedStreamDeps, filter: FeedFilter, after: FeedPosition | LegacyFeedPosition | null, capacity: number): AsyncIterableIterator<FeedEventRecord> {
  const tooSlow = (last?: FeedEventRecord) => subscriberTooSlow(capacity, { resumeAfter: last ? encodeFeedCursor(last.position) : null });
  return bufferedStream<FeedEventRecord>({ capacity, tooSlow }, (sink) => {
    // A notice or stop that arrives during a read rings the alarm, and the sleep below returns at once.
    const alarm = new Alarm();
    const unsubscribe = deps.changes.subscribe({ change: () => alarm.wake(), resync: () => alarm.wake() });
    void (async () => {
      let position: FeedPosition | LegacyFeedPosition | null = after;
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
