import { sagaEventStream } from '../../../../src/graphql/streams/saga-event-stream';
import { FakeChanges, settle } from './fake-changes';
import type { CommittedSagaChange, SagaEventRecord, SagaRecord } from '../../../../src/runtime/ports';

const SAGA = '00000000-0000-4000-8000-000000000001';
const event = (seq: number): SagaEventRecord => ({ sagaId: SAGA, seq, type: 'STEP_STARTED', step: 'a', detail: {}, actor: 'system', createdAt: new Date(0) });

/** The saga's event log as storage holds it; `commit` appends without announcing (as during an outage). */
class Log {
  events: SagaEventRecord[] = [];
  commit(n: number): SagaEventRecord[] {
    const added = Array.from({ length: n }, (_, i) => event(this.events.length + i + 1));
    this.events.push(...added);
    return added;
  }
  reads = {
    eventsOf: async (_ids: string[], after = 0, limit = 1000) => new Map([[SAGA, this.events.filter((e) => e.seq > after).slice(0, limit)]]),
    eventsBetween: async (_id: string, after: number, to: number) => this.events.filter((e) => e.seq > after && e.seq <= to),
  };
}
const change = (events: SagaEventRecord[]): CommittedSagaChange => ({ saga: { state: { id: SAGA } } as unknown as SagaRecord, events });

async function take(iterator: AsyncIterator<SagaEventRecord>, n: number): Promise<number[]> {
  const seqs: number[] = [];
  while (seqs.length < n) seqs.push((await iterator.next()).value.seq);
  return seqs;
}

describe('sagaEventStream', () => {
  it('replays stored events after the position, then live ones, with no duplicate where they overlap', async () => {
    const log = new Log();
    const changes = new FakeChanges<CommittedSagaChange>();
    log.commit(3);
    const stream = sagaEventStream({ changes, reads: log.reads }, SAGA, 1, 100);
    const live = log.commit(2); // committed while the history is read: announced and stored
    changes.subscribers.change(change(live));
    expect(await take(stream, 4)).toEqual([2, 3, 4, 5]);
  });

  it('after a resync reads what was committed while the listener was away, then goes on live', async () => {
    const log = new Log();
    const changes = new FakeChanges<CommittedSagaChange>();
    const stream = sagaEventStream({ changes, reads: log.reads }, SAGA, 0, 100);
    changes.subscribers.change(change(log.commit(1)));
    expect(await take(stream, 1)).toEqual([1]);
    log.commit(2); // never announced
    changes.subscribers.resync();
    changes.subscribers.change(change(log.commit(1)));
    expect(await take(stream, 3)).toEqual([2, 3, 4]);
  });

  it('fills a gap before a live event from the log', async () => {
    const log = new Log();
    const changes = new FakeChanges<CommittedSagaChange>();
    const stream = sagaEventStream({ changes, reads: log.reads }, SAGA, 0, 100);
    await settle();
    log.commit(2); // lost notice
    changes.subscribers.change(change(log.commit(1)));
    expect(await take(stream, 3)).toEqual([1, 2, 3]);
  });

  it('ends a subscriber that does not read with SUBSCRIBER_TOO_SLOW and the last sequence it took', async () => {
    const log = new Log();
    const changes = new FakeChanges<CommittedSagaChange>();
    const stream = sagaEventStream({ changes, reads: log.reads }, SAGA, 0, 3);
    changes.subscribers.change(change(log.commit(1)));
    expect(await take(stream, 1)).toEqual([1]);
    for (let i = 0; i < 10; i += 1) {
      changes.subscribers.change(change(log.commit(1)));
      await settle();
    }
    const error = await stream.next().catch((e: unknown) => e) as { extensions: Record<string, unknown> };
    expect(error.extensions).toMatchObject({ code: 'SUBSCRIBER_TOO_SLOW', resumeAfterSequence: 1 });
    expect(changes.subscribers.size).toBe(0);
  });
});
