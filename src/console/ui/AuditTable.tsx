import type { ConsoleAuditFragment } from './generated';
import { Status, Time } from './ui';

/** Manual actions with who, why and what they really led to. */
export function AuditTable({ entries, showSaga = false }: { entries: ConsoleAuditFragment[]; showSaga?: boolean }) {
  if (!entries.length) return <p className="muted">No manual actions.</p>;
  return (
    <table className="audit" data-testid="audit">
      <thead>
        <tr><th>At</th>{showSaga && <th>Saga</th>}<th>Action</th><th>Step</th><th>Actor</th><th>Reason</th><th>Outcome</th><th>Saga after</th></tr>
      </thead>
      <tbody>
        {entries.map((a) => (
          <tr key={a.id} data-action={a.action} data-outcome={a.outcome.status}>
            <td><Time at={a.at} /></td>
            {showSaga && <td><a href={`#/saga/${a.sagaId}`}>{a.orderId}</a></td>}
            <td>{a.action}</td>
            <td>{a.step ?? ''}</td>
            <td>{a.actor} <span className="muted">({a.roles.join(', ')})</span></td>
            <td>{a.reason}</td>
            <td><Status value={a.outcome.status} /> {a.outcome.detail}</td>
            <td>{a.outcome.sagaStatus}{a.outcome.stepStatus ? ` / ${a.outcome.stepStatus}` : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
