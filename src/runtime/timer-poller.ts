import type { Logger } from '../logger';
import { Alarm } from './alarm';

/**
 * Fires due saga timers (step timeouts, retry back-off). The timers live in PostgreSQL
 * (the saga_timer table), so they survive restarts; SKIP LOCKED lets every instance poll.
 */
export class TimerPoller {
  private running = false;
  private loop?: Promise<void>;
  private readonly alarm = new Alarm();

  constructor(
    private readonly fireDue: (limit: number) => Promise<number>,
    private readonly logger: Logger,
    private readonly options = { intervalMs: 250, batchSize: 200 },
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
        // A full batch means more may be due: go again without waiting.
        if ((await this.fireDue(this.options.batchSize)) >= this.options.batchSize) continue;
      } catch (error) {
        this.logger.error({ err: error }, 'firing saga timers failed; will retry');
      }
      await this.alarm.sleep(this.options.intervalMs);
    }
  }
}
