import { Poller } from '../../../src/runtime/poller';

const LONG_PAUSE = 600_000; // far beyond the test timeout: a test that waited it out would fail
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('Poller', () => {
  it('runs the next round at once while a round says more is waiting', async () => {
    let rounds = 0;
    const poller = new Poller(async () => { rounds += 1; return rounds < 4; }, LONG_PAUSE, () => undefined);
    poller.start();
    while (rounds < 4) await tick();
    await poller.stop();
    expect(rounds).toBe(4);
  });

  it('reports a failed round and carries on after the pause', async () => {
    const errors: unknown[] = [];
    let rounds = 0;
    const poller = new Poller(async () => { rounds += 1; if (rounds === 1) throw new Error('away'); return false; }, 5, (e) => errors.push(e));
    poller.start();
    while (rounds < 2) await tick();
    await poller.stop();
    expect(errors).toEqual([new Error('away')]);
  });

  it('stops in the middle of its pause, also when the stop comes during a round', async () => {
    let release: () => void = () => undefined;
    let rounds = 0;
    const poller = new Poller(() => { rounds += 1; return new Promise<boolean>((r) => { release = () => r(false); }); }, LONG_PAUSE, () => undefined);
    poller.start();
    while (rounds === 0) await tick();
    const stopped = poller.stop(); // during the round: the pause after it must not happen
    release();
    await stopped;
    expect(rounds).toBe(1);
  });
});
