import { Alarm } from '../../../src/runtime/alarm';

const LONG = 600_000; // far beyond the test timeout: a sleep that ran its course would fail the test

describe('Alarm', () => {
  it('a wake cuts a sleep short', async () => {
    const alarm = new Alarm();
    const slept = alarm.sleep(LONG);
    alarm.wake();
    await slept;
  });

  it('keeps a wake that came while nobody slept, for the next sleep only', async () => {
    const alarm = new Alarm();
    alarm.wake();
    alarm.wake();
    await alarm.sleep(LONG); // returns at once
    let done = false;
    const second = alarm.sleep(20).then(() => { done = true; });
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false); // the kept wake was used up: this one sleeps
    await second;
    expect(done).toBe(true);
  });
});
