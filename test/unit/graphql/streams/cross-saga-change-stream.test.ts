import { crossSagaChangeStream } from '../../../../src/graphql/streams/cross-saga-change-stream';
import { FakeChanges, settle } from './fake-changes';
import { afterCommit, type CommittedSagaChange, type FeedEventRecord, type FeedFilter, type FeedPosition, type SagaRecord } from '../../../../src/runtime/ports';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

/** Sagas in storage: each commit takes the next commit position and appends events to sagas. */
class Store {
  private position = 0;
  private rowId = 0;
  readonly events: FeedEventRecord[] = [];
  private readonly seqs = new Map<string, number>();
  /** One transaction: step events (or other events, with step null) of the named sagas. */
  commit(...writes: [sagaId: string, step: string | null][]): CommittedSagaChange[] {
    this.position += 1;
    const commit = String(this.position);
    const changes = new Map<string, CommittedSagaChange>();
    for (const [sagaId, step] of writes) {
      const seq = (this.seqs.get(sagaId) ?? 0) + 1;
      this.seqs.set(sagaId, seq);
      this.rowId += 1;
      const e: FeedEventRecord = {
        sagaId, seq, type: 'X', step, detail: {}, actor: 'a', createdAt: new Date(0), commit,
        position: { commit, id: String(this.rowId) }, sagaType: 'order', sagaStatus: 'RUNNING',
      };
      this.events.push(e);
      const change = changes.get(sagaId) ?? { saga: this.record(sagaId), events: [] };
      change.events.push(e);
      changes.set(sagaId, change);
    }
    return [...changes.values()];
  }
  /** A transaction that rolled back after taking its position. */
  rollback(): void { this.position += 1; }
  record(id: string): SagaRecord {
    return { state: { id } as SagaRecord['state'], version: this.seqs.get(id) ?? 0, eventSeq: this.seqs.get(id) ?? 0, createdAt: new Date(0), updatedAt: new Date(0) };
  }
  feedReads = 0;
  reads = {
    feed: async (after: FeedPosition | null, filter: FeedFilter, limit: number) => {
      this.feedReads += 1;
      const later = (e: FeedEventRecord) => !after || BigInt(e.position.commit) > BigInt(after.commit)
        || (e.position.commit === after.commit && BigInt(e.position.id) > BigInt(after.id));
      return this.events.filter((e) => later(e) && (!filter.stepsOnly || e.step !== null)).slice(0, limit);
    },
    feedHead: async () => afterCommit(String(this.position)),
    findManyByIds: async (ids: string[]) => ids.map((id) => this.record(id)),
  };
}

/** What the subscription shows of a change: its step events as "saga/seq". */
const steps = (c: CommittedSagaChange) => c.events.filter((e) => e.step !== null).map((e) => `${c.saga.state.id === A ? 'A' : 'B'}/${e.seq}`);

async function take<T>(stream: AsyncIterableIterator<T>, n: number): Promise<T[]> {
  const items: T[] = [];
  while (items.length < n) items.push((await stream.next()).value as T);
  return items;
}

describe('crossSagaChangeStream', () => {
  it('after a resync shows what committed while the listener was away, in commit order, before the live changes behind it', async () => {
    const store = new Store();
    store.commit([A, 's1']); // before the subscription: not shown
    const changes = new FakeChanges<CommittedSagaChange>();
    const stream = crossSagaChangeStream({ changes, reads: store.reads }, { stepsOnly: true }, 100, steps);
    await settle();
    for (const c of store.commit([A, 's2'], [B, 's1'])) changes.subscribers.change(c);
    expect(await take(stream, 2)).toEqual(['A/2', 'B/1']);
    // The listener is away: these are never announced.
    store.commit([B, 's2']);
    store.rollback();
    store.commit([A, 's3'], [A, null]);
    store.commit([B, null]);
    changes.subscribers.resync();
    const after = store.commit([A, 's4']);
    for (const c of after) changes.subscribers.change(c);
    expect(await take(stream, 3)).toEqual(['B/2', 'A/3', 'A/5']);
  });

  it('shows an event that arrives live and from the catch-up once', async () => {
    const store = new Store();
    const changes = new FakeChanges<CommittedSagaChange>();
    const stream = crossSagaChangeStream({ changes, reads: store.reads }, { stepsOnly: true }, 100, steps);
    await settle();
    // Committed once LISTEN was back, but before the catch-up read: read by it, and announced too.
    const [a1, b1] = store.commit([A, 's1'], [B, 's1']);
    changes.subscribers.resync();
    await settle();
    changes.subscribers.change(b1);
    // The listener merged its notice with a later one of the same saga: one change, two commits.
    const [a2] = store.commit([A, 's2']);
    changes.subscribers.change({ saga: a2.saga, events: [...a1.events, ...a2.events] });
    for (const c of store.commit([B, 's2'])) changes.subscribers.change(c);
    expect(await take(stream, 4)).toEqual(['A/1', 'B/1', 'A/2', 'B/2']);
  });

  it('reads nothing before the subscription and pages through a long outage', async () => {
    const store = new Store();
    for (let i = 0; i < 3; i += 1) store.commit([A, 'old']);
    const changes = new FakeChanges<CommittedSagaChange>();
    const stream = crossSagaChangeStream({ changes, reads: store.reads }, { stepsOnly: true }, 2000, steps);
    await settle();
    for (let i = 0; i < 1200; i += 1) store.commit([B, 's']);
    changes.subscribers.resync();
    const shown = await take(stream, 1200);
    expect(shown[0]).toBe('B/1');
    expect(shown[1199]).toBe('B/1200');
    expect(new Set(shown).size).toBe(1200);
    expect(store.feedReads).toBe(3);
  });

  it('shows live events without a commit position (an older release wrote them) whatever was caught up', async () => {
    const store = new Store();
    const changes = new FakeChanges<CommittedSagaChange>();
    const stream = crossSagaChangeStream({ changes, reads: store.reads }, { stepsOnly: true }, 100, steps);
    await settle();
    store.commit([A, 's1']);
    changes.subscribers.resync();
    await settle();
    const [old] = store.commit([B, 's1']);
    changes.subscribers.change({ ...old, events: old.events.map((e) => ({ ...e, commit: null })) });
    expect(await take(stream, 2)).toEqual(['A/1', 'B/1']);
  });

  it('reads again when storage fails during a catch-up, and the live changes behind it wait', async () => {
    const store = new Store();
    const changes = new FakeChanges<CommittedSagaChange>();
    let failures = 2;
    const feed = store.reads.feed;
    const reads = { ...store.reads, feed: (...args: Parameters<typeof feed>) => (failures-- > 0 ? Promise.reject(new Error('database away')) : feed(...args)) };
    const stream = crossSagaChangeStream({ changes, reads, retryMs: 0 }, { stepsOnly: true }, 100, steps);
    await settle();
    store.commit([A, 's1']);
    changes.subscribers.resync();
    for (const c of store.commit([B, 's1'])) changes.subscribers.change(c);
    expect(await take(stream, 2)).toEqual(['A/1', 'B/1']);
    expect(failures).toBe(-1);
  });

  it('closes only the subscriber that fell behind, and the source keeps serving the others', async () => {
    const store = new Store();
    const changes = new FakeChanges<CommittedSagaChange>();
    const slow = crossSagaChangeStream({ changes, reads: store.reads }, { stepsOnly: true }, 2, steps);
    const healthy = crossSagaChangeStream({ changes, reads: store.reads }, { stepsOnly: true }, 2, steps);
    const got: string[] = [];
    const reading = (async () => { for await (const item of healthy) { got.push(item); if (got.length === 5) return; } })();
    for (let i = 0; i < 5; i += 1) {
      for (const c of store.commit([A, 's'])) changes.subscribers.change(c); // never throws, whoever is slow
      await settle();
    }
    await reading;
    expect(got).toEqual(['A/1', 'A/2', 'A/3', 'A/4', 'A/5']);
    await expect(slow.next()).rejects.toMatchObject({ extensions: { code: 'SUBSCRIBER_TOO_SLOW' } });
  });
});
