import type { Logger } from '../logger';

export interface TimerPollerOptions {
  /** Fires up to `limit` due timers; returns how many fired. */
  fireDue(limit: number): Promise<number>;
  /** The earliest pending timer, or null when none is armed. */
  nextDueAt(): Promise<Date | null>;
  logger: Logger;
  /**
   * The longest sleep, also with nothing armed: timers armed by another instance (that may
   * have died) are found within this.
   */
  maxIdleMs?: number;
  batchSize?: number;
  now?: () => number;
}

/**
 * Fires due saga timers (step timeouts, retry back-off). The timers live in PostgreSQL (the
 * saga_timer table), so they survive restarts; SKIP LOCKED lets every instance fire them. Rather
 * than polling at a fixed rate, each round asks for the earliest timer and sleeps until it is
 * due (at most maxIdleMs); `armed` (called after a commit here armed a timer) wakes it sooner.
 * An idle service so costs one query per maxIdleMs instead of several a second.
 */
export class TimerPoller {
  private running = false;
  private loop?: Promise<void>;
  private wakeAtMs = Infinity;
  /** The earliest timer armed since the current round began (the round's query may predate it). */
  private armedSinceRound = Infinity;
  private timer?: NodeJS.Timeout;
  private wake?: () => void;
  private readonly maxIdleMs: number;
  private readonly batchSize: number;
  private readonly now: () => number;

  constructor(private readonly options: TimerPollerOptions) {
    this.maxIdleMs = options.maxIdleMs ?? 5000;
    this.batchSize = options.batchSize ?? 200;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    await this.loop;
  }

  /** A committed transaction armed a timer due at `dueAtMs`. */
  armed(dueAtMs: number): void {
    if (dueAtMs < this.armedSinceRound) this.armedSinceRound = dueAtMs;
    if (dueAtMs < this.wakeAtMs) this.sleepUntil(dueAtMs);
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.armedSinceRound = Infinity;
      let next = this.now() + this.maxIdleMs;
      try {
        // A full batch means more may be due: the next round runs without waiting.
        if ((await this.options.fireDue(this.batchSize)) >= this.batchSize) continue;
        const due = await this.options.nextDueAt();
        if (due) next = Math.min(next, due.getTime());
      } catch (error) {
        this.options.logger.error({ err: error }, 'firing saga timers failed; will retry');
        next = this.now() + Math.min(1000, this.maxIdleMs);
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.sleepUntil(Math.min(next, this.armedSinceRound));
      });
    }
  }

  /** (Re)sets the pending sleep to end at `atMs`; without a sleep in progress it only notes it. */
  private sleepUntil(atMs: number): void {
    const wake = this.wake;
    if (!wake) return;
    this.wakeAtMs = atMs;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.wake = undefined;
      this.wakeAtMs = Infinity;
      wake();
    }, Math.max(0, atMs - this.now()));
  }
}
