import { Alarm } from './alarm';

/**
 * Runs rounds of background work until stopped, pausing between rounds. A round that says more
 * is waiting is followed by the next at once; a failed round is reported and retried after the
 * pause. `stop` cuts a pause short.
 */
export class Poller {
  private running = false;
  private loop?: Promise<void>;
  private readonly alarm = new Alarm();

  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.alarm.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (await this.round()) continue;
      } catch (error) {
        this.onError(error);
      }
      // A stop that came during the round has already rung the alarm: this returns at once.
      await this.alarm.sleep(this.intervalMs);
    }
  }
}
