import { snapshotStream } from '../../../../src/graphql/streams/snapshot-stream';
import { FakeChanges, settle } from './fake-changes';

describe('snapshotStream', () => {
  it('sends a snapshot now, then one newer snapshot for many changes, after a resync too', async () => {
    const changes = new FakeChanges<unknown>();
    let loads = 0;
    const stream = snapshotStream(changes, async () => { loads += 1; return loads; }, 1);
    expect((await stream.next()).value).toBe(1);
    for (let i = 0; i < 5; i += 1) changes.subscribers.change({});
    expect((await stream.next()).value).toBe(2);
    changes.subscribers.resync();
    expect((await stream.next()).value).toBe(3);
    await stream.return!();
    expect(changes.subscribers.size).toBe(0);
  });

  it('loads nothing more for a subscriber that has not taken the last snapshot', async () => {
    const changes = new FakeChanges<unknown>();
    let loads = 0;
    const stream = snapshotStream(changes, async () => { loads += 1; return loads; }, 1);
    for (let i = 0; i < 20; i += 1) {
      changes.subscribers.change({});
      await settle();
      await new Promise((r) => setTimeout(r, 2));
    }
    // The first is waiting in the buffer, the second waits for room: nothing piles up.
    expect(loads).toBeLessThanOrEqual(2);
    expect((await stream.next()).value).toBe(1);
    await stream.return!();
  });
});
