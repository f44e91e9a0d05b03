import { GraphQLError } from 'graphql';
import type { BulkActionService } from '../../runtime/bulk-actions';
import { Alarm } from '../../runtime/alarm';
import { bufferedStream, subscriberTooSlow } from './subscriber-buffer';
import type { BulkActionItemRecord, BulkActionRecord, BulkProgressNotice, ChangeSource } from '../../runtime/ports';

export interface BulkProgressStreamDeps {
  service: Pick<BulkActionService, 'get' | 'itemsAfterSeq'>;
  progress: ChangeSource<BulkProgressNotice>;
}

/** One step of a run's progress: an item's outcome, or the summary once the run is finished. */
export type BulkProgressStep = { kind: 'ITEM'; item: BulkActionItemRecord } | { kind: 'SUMMARY'; bulk: BulkActionRecord };

const PAGE = 500;

/**
 * Recorded outcomes after `afterSequence` in sequence order, read at the subscriber's pace,
 * waiting for a notice, a resync or a second when there is nothing new; the summary once the run
 * is FINISHED, then the end. The bulk action is read before its items, so once it reads FINISHED
 * every outcome is among the items read next.
 */
export function bulkProgressStream(deps: BulkProgressStreamDeps, id: string, afterSequence: number, capacity: number): AsyncIterableIterator<BulkProgressStep> {
  const tooSlow = (last?: BulkProgressStep) => subscriberTooSlow(capacity, { resumeAfterSequence: last?.kind === 'ITEM' ? last.item.seq : afterSequence });
  return bufferedStream<BulkProgressStep>({ capacity, tooSlow }, (sink) => {
    const alarm = new Alarm();
    const unsubscribe = deps.progress.subscribe({ change: (n) => { if (n.bulkActionId === id) alarm.wake(); }, resync: () => alarm.wake() });
    void (async () => {
      let last = afterSequence;
      try {
        while (!sink.closed) {
          const current = await deps.service.get(id);
          if (!current) throw new GraphQLError(`no bulk action with id ${id}`, { extensions: { code: 'NOT_FOUND' } });
          const items = await deps.service.itemsAfterSeq(id, last, PAGE);
          for (const item of items) {
            last = item.seq!;
            await sink.pushWhenRoom({ kind: 'ITEM', item });
          }
          if (items.length === PAGE) continue;
          if (current.status === 'FINISHED') {
            await sink.pushWhenRoom({ kind: 'SUMMARY', bulk: current });
            break;
          }
          await alarm.sleep(1000);
        }
        sink.end();
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
