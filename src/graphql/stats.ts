import type { SagaStatus } from './types/enums';
import type { SagaStats } from './types/stats';
import { badInput } from './guards';
import type { SagaReads } from '../runtime/ports';

export const MAX_STATS_WINDOW_SECONDS = 31 * 24 * 3600;

/** Saga counts and durations over the last `window` seconds (the sagaStats query and subscription), one count per status of `statuses`. */
export async function loadSagaStats(reads: SagaReads, window: number, statuses: readonly SagaStatus[]): Promise<SagaStats> {
  if (!Number.isInteger(window) || window < 1 || window > MAX_STATS_WINDOW_SECONDS) {
    throw badInput(`window must be between 1 and ${MAX_STATS_WINDOW_SECONDS} seconds, got ${window}`, 'window');
  }
  const since = new Date(Date.now() - window * 1000);
  const row = await reads.stats(since);
  const counts = new Map(row.byStatus.map((s) => [s.status, s.count]));
  const byStatus = statuses.map((status) => ({ status, count: counts.get(status) ?? 0 }));
  const total = byStatus.reduce((sum, s) => sum + s.count, 0);
  const completed = counts.get('COMPLETED') ?? 0;
  const inFlightOfWindow = (counts.get('RUNNING') ?? 0) + (counts.get('COMPENSATING') ?? 0);
  return {
    windowSeconds: window,
    since,
    byStatus,
    total,
    completed,
    failed: total - completed - inFlightOfWindow,
    inFlight: row.inFlight,
    endedInWindow: row.endedInWindow,
    p50DurationMs: row.p50Ms,
    p95DurationMs: row.p95Ms,
  };
}
