import { sagaChangeStream } from '../../../../src/graphql/streams/saga-change-stream';
import { FakeChanges, settle } from './fake-changes';
import type { CommittedSagaChange, SagaEventRecord, SagaRecord } from '../../../../src/runtime/ports';

const SAGA = '00000000-0000-4000-8000-000000000001';
const OTHER = '00000000-0000-4000-8000-000000000002';

/** One saga in storage: each commit bumps the version and appends events. */
class Store {
  version = 1;
  events: SagaEventRecord[] = [];
  commit(n: number): CommittedSagaChange {
    this.version += 1;
    const added = Array.from({ length: n }, (_, i) => ({ sagaId: SAGA, seq: this.events.length + i + 1, type: 'X', step: null, detail: {}, actor: 'a', createdAt: new Date(0) }));
    this.events.push(...added);
    return { saga: this.record(), events: added };
  }
  record(): SagaRecord {
    return { state: { id: SAGA } as SagaRecord['state'], version: this.version, eventSeq: this.events.length, createdAt: new Date(0), updatedAt: new Date(0) };
  }
  reads = {
    findById: async (id: string) => (id === SAGA ? this.record() : null),
    eventsBetween: async (_id: string, after: number, to: number) => this.events.filter((e) => e.seq > after && e.seq <= to),
  };
}

const shown = (c: CommittedSagaChange) => [{ version: c.saga.version, seqs: c.events.map((e) => e.seq) }];

describe('sagaChangeStream', () => {
  it('shows each change after the subscription once, and after a resync what changed meanwhile as one change', async () => {
    const store = new Store();
    store.commit(2); // before the subscription: not shown
    const changes = new FakeChanges<CommittedSagaChange>();
    const stream = sagaChangeStream({ changes, reads: store.reads }, SAGA, 10, shown);
    await settle();
    changes.subscribers.change(store.commit(1));
    expect((await stream.next()).value).toEqual({ version: 3, seqs: [3] });
    store.commit(1); // while the listener is away
    store.commit(2);
    changes.subscribers.resync();
    expect((await stream.next()).value).toEqual({ version: 5, seqs: [4, 5, 6] });
    changes.subscribers.change(store.commit(1));
    expect((await stream.next()).value).toEqual({ version: 6, seqs: [7] });
  });

  it('ignores other sagas and changes already shown', async () => {
    const store = new Store();
    const changes = new FakeChanges<CommittedSagaChange>();
    const stream = sagaChangeStream({ changes, reads: store.reads }, SAGA, 10, shown);
    await settle();
    const c = store.commit(1);
    changes.subscribers.change({ ...c, saga: { ...c.saga, state: { id: OTHER } as SagaRecord['state'] } });
    changes.subscribers.change(c);
    changes.subscribers.change(c);
    changes.subscribers.change(store.commit(1));
    expect([(await stream.next()).value, (await stream.next()).value]).toEqual([{ version: 2, seqs: [1] }, { version: 3, seqs: [2] }]);
  });
});
