import type { Logger } from '../logger';
import type { Pruned, RetentionCutoffs } from './ports';
import { Alarm } from './alarm';

export interface RetentionOptions {
  /** Hours an inbox row is kept; 0 keeps them forever. */
  inboxHours: number;
  /** Hours a published outbox row is kept; 0 keeps them forever. */
  outboxHours: number;
  /** Pause between two prunes. */
  intervalMs: number;
}

const HOUR_MS = 3_600_000;

/** Cutoffs for a prune at `nowMs`: rows older than their retention go. */
export function retentionCutoffs(options: RetentionOptions, nowMs: number): RetentionCutoffs {
  const before = (hours: number) => (hours > 0 ? new Date(nowMs - hours * HOUR_MS) : null);
  return { inboxBefore: before(options.inboxHours), outboxBefore: before(options.outboxHours) };
}

/**
 * Keeps the inbox and outbox from growing forever: prunes at start and then every `intervalMs`.
 * Every instance may run it; the deletes do not conflict with each other or with the hot path
 * (only rows far older than any in use are touched).
 */
export class RetentionPruner {
  private running = false;
  private loop?: Promise<void>;
  private readonly alarm = new Alarm();

  constructor(
    private readonly prune: (cutoffs: RetentionCutoffs) => Promise<Pruned>,
    private readonly options: RetentionOptions,
    private readonly logger: Logger,
    private readonly onPruned: (pruned: Pruned) => void = () => undefined,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    if (this.running || (this.options.inboxHours === 0 && this.options.outboxHours === 0)) return;
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
        const pruned = await this.prune(retentionCutoffs(this.options, this.clock()));
        this.onPruned(pruned);
        if (pruned.inbox + pruned.outbox > 0) this.logger.info(pruned, 'pruned inbox and outbox rows past their retention');
      } catch (error) {
        this.logger.error({ err: error }, 'pruning the inbox and outbox failed; will retry');
      }
      // Checked right before sleeping (no await in between): a stop that came during the prune
      // must not wait out a ten-minute pause.
      if (this.running) await this.alarm.sleep(this.options.intervalMs);
    }
  }
}
