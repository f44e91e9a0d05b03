import { useState } from 'react';
import { ConsoleStatsDocument, type ConsoleStatsSubscription, type SagaStatus } from './generated';
import { useSubscription } from './hooks';
import { Refusal } from './ui';

/**
 * Counts per status over the last hour, pushed by the `sagaStats` subscription; a click filters by
 * it. The server pushes again after any committed change (at most once a second), which tells the
 * list when to refetch: `onChange`.
 */
export function StatsBar({ onPick, onChange }: { onPick(status: SagaStatus): void; onChange(): void }) {
  const [stats, setStats] = useState<ConsoleStatsSubscription['sagaStats']>();
  const error = useSubscription(ConsoleStatsDocument, { window: 3600 }, (d) => { setStats(d.sagaStats); onChange(); });
  return (
    <div className="stats" data-testid="stats">
      <Refusal error={error} />
      {stats && (
        <>
          <span className="stat">last hour <b data-testid="stats-total">{stats.total}</b></span>
          <span className="stat">in flight <b data-testid="stats-inflight">{stats.inFlight}</b></span>
          {stats.byStatus.filter((s) => s.count > 0).map((s) => (
            <button key={s.status} type="button" className={`stat status-${s.status}`} onClick={() => onPick(s.status)} data-testid={`stat-${s.status}`}>
              {s.status} <b>{s.count}</b>
            </button>
          ))}
        </>
      )}
    </div>
  );
}
