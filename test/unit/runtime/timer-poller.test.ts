import pino from 'pino';
import { TimerPoller } from '../../../src/runtime/timer-poller';

const LONG = 600_000; // far beyond the test timeout: a test that waited it out would fail
const tick = () => new Promise((r) => setTimeout(r, 5));
const logger = pino({ level: 'silent' });

/** Timers as a list of due times; firing removes the due ones. */
function fakeTimers(due: number[] = []) {
  const state = { due: [...due], rounds: 0, fired: 0, nextDueQueries: 0 };
  return {
    state,
    fireDue: async (limit: number) => {
      state.rounds += 1;
      const now = Date.now();
      const firing = state.due.filter((d) => d <= now).slice(0, limit);
      state.due = state.due.filter((d) => !firing.includes(d));
      state.fired += firing.length;
      return firing.length;
    },
    nextDueAt: async () => {
      state.nextDueQueries += 1;
      return state.due.length ? new Date(Math.min(...state.due)) : null;
    },
  };
}

describe('TimerPoller', () => {
  it('sleeps until the earliest timer is due, then fires it', async () => {
    const timers = fakeTimers([Date.now() + 50]);
    const poller = new TimerPoller({ ...timers, logger, maxIdleMs: LONG });
    poller.start();
    while (timers.state.fired === 0) await tick();
    await poller.stop();
    expect(timers.state.fired).toBe(1);
    // One round before the timer was due, one when it was: no polling in between.
    expect(timers.state.rounds).toBe(2);
  });

  it('with nothing armed, sleeps maxIdleMs between rounds', async () => {
    const timers = fakeTimers();
    const poller = new TimerPoller({ ...timers, logger, maxIdleMs: 20 });
    poller.start();
    while (timers.state.rounds < 3) await tick();
    await poller.stop();
    expect(timers.state.fired).toBe(0);
  });

  it('wakes for a timer armed while it sleeps', async () => {
    const timers = fakeTimers();
    const poller = new TimerPoller({ ...timers, logger, maxIdleMs: LONG });
    poller.start();
    while (timers.state.rounds === 0) await tick();
    await tick();
    const dueAt = Date.now() + 10;
    timers.state.due.push(dueAt);
    poller.armed(dueAt);
    while (timers.state.fired === 0) await tick();
    await poller.stop();
    expect(timers.state.fired).toBe(1);
  });

  it('keeps a timer armed during a round whose query did not see it', async () => {
    const timers = fakeTimers();
    let poller: TimerPoller | undefined;
    let armedDuringRound = false;
    const dueAt = Date.now() + 30;
    poller = new TimerPoller({
      ...timers,
      // The commit lands after the round's query: only `armed` tells the poller about it.
      nextDueAt: async () => {
        const next = await timers.nextDueAt();
        if (!armedDuringRound) {
          armedDuringRound = true;
          timers.state.due.push(dueAt);
          poller!.armed(dueAt);
        }
        return next;
      },
      logger,
      maxIdleMs: LONG,
    });
    poller.start();
    while (timers.state.fired === 0) await tick();
    await poller.stop();
    expect(timers.state.fired).toBe(1);
  });

  it('runs the next round at once after a full batch', async () => {
    const now = Date.now();
    const timers = fakeTimers(Array.from({ length: 5 }, (_, i) => now - i));
    const poller = new TimerPoller({ ...timers, logger, maxIdleMs: LONG, batchSize: 2 });
    poller.start();
    while (timers.state.fired < 5) await tick();
    await poller.stop();
    expect(timers.state.rounds).toBe(3);
  });

  it('reports a failed round and retries', async () => {
    const errors: unknown[] = [];
    let rounds = 0;
    const poller = new TimerPoller({
      fireDue: async () => { rounds += 1; if (rounds === 1) throw new Error('database away'); return 0; },
      nextDueAt: async () => null,
      logger: { error: (o: { err: unknown }) => errors.push(o.err) } as unknown as typeof logger,
      maxIdleMs: 10,
    });
    poller.start();
    while (rounds < 2) await tick();
    await poller.stop();
    expect(errors).toEqual([new Error('database away')]);
  });

  it('stops in the middle of a long sleep', async () => {
    const timers = fakeTimers([Date.now() + LONG]);
    const poller = new TimerPoller({ ...timers, logger, maxIdleMs: LONG });
    poller.start();
    while (timers.state.rounds === 0) await tick();
    await poller.stop();
    expect(timers.state.rounds).toBe(1);
  });
});
