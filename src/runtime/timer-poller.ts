import type { Logger } from '../logger';
import { Poller } from './poller';

/**
 * Fires due saga timers (step timeouts, retry back-off). The timers live in PostgreSQL
 * (the saga_timer table), so they survive restarts; SKIP LOCKED lets every instance poll.
 * A full batch means more may be due: the next round runs without waiting.
 */
export function timerPoller(fireDue: (limit: number) => Promise<number>, logger: Logger, intervalMs = 250, batchSize = 200): Poller {
  return new Poller(
    async () => (await fireDue(batchSize)) >= batchSize,
    intervalMs,
    (error) => logger.error({ err: error }, 'firing saga timers failed; will retry'),
  );
}
