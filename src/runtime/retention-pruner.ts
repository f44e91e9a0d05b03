import type { Logger } from '../logger';
import type { Pruned, RetentionCutoffs } from './ports';
import { Poller } from './poller';

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
 * Keeps the inbox and outbox from growing forever: prunes at start and then every
 * `intervalMs`; none when both retentions are 0. Every instance may run it: the deletes do not
 * conflict with each other or with the hot path (they touch only rows far older than any in use).
 */
export function retentionPruner(
  prune: (cutoffs: RetentionCutoffs) => Promise<Pruned>,
  options: RetentionOptions,
  logger: Logger,
  onPruned: (pruned: Pruned) => void = () => undefined,
  clock: () => number = Date.now,
): Poller | undefined {
  if (options.inboxHours === 0 && options.outboxHours === 0) return undefined;
  return new Poller(
    async () => {
      const pruned = await prune(retentionCutoffs(options, clock()));
      onPruned(pruned);
      if (pruned.inbox + pruned.outbox > 0) logger.info(pruned, 'pruned inbox and outbox rows past their retention');
      return false;
    },
    options.intervalMs,
    (error) => logger.error({ err: error }, 'pruning the inbox and outbox failed; will retry'),
  );
}
