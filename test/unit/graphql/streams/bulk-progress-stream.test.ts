import { bulkProgressStream } from '../../../../src/graphql/streams/bulk-progress-stream';
import { FakeChanges, settle } from './fake-changes';
import type { BulkActionItemRecord, BulkActionRecord, BulkProgressNotice } from '../../../../src/runtime/ports';

const ID = 'b-1';
const item = (seq: number) => ({ sagaId: `s-${seq}`, seq }) as BulkActionItemRecord;

/** A run in storage: items recorded one by one, then FINISHED. */
class Run {
  items: BulkActionItemRecord[] = [];
  status = 'RUNNING';
  service = {
    get: async () => ({ id: ID, status: this.status, succeeded: this.items.length, failed: 0, skipped: 0 }) as BulkActionRecord,
    itemsAfterSeq: async (_id: string, after: number, limit: number) => this.items.filter((i) => i.seq! > after).slice(0, limit),
  };
}

describe('bulkProgressStream', () => {
  it('sends recorded items after the position in order, then the summary once FINISHED, and ends', async () => {
    const run = new Run();
    run.items.push(item(1), item(2));
    const progress = new FakeChanges<BulkProgressNotice>();
    const stream = bulkProgressStream({ service: run.service, progress }, ID, 1, 10);
    expect((await stream.next()).value).toEqual({ kind: 'ITEM', item: item(2) });
    await settle();
    run.items.push(item(3));
    run.status = 'FINISHED';
    progress.subscribers.resync();
    expect((await stream.next()).value).toEqual({ kind: 'ITEM', item: item(3) });
    expect((await stream.next()).value).toMatchObject({ kind: 'SUMMARY', bulk: { status: 'FINISHED', succeeded: 3 } });
    expect((await stream.next()).done).toBe(true);
  });
});
