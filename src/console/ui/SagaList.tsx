import { useState } from 'react';
import { ConsoleSagasDocument, type SagaFilter } from './generated';
import { useQuery, useThrottled } from './hooks';
import { SagaFilters } from './SagaFilters';
import { StatsBar } from './StatsBar';
import { Refusal, Status, Time } from './ui';

const PAGE_SIZE = 25;

/**
 * Sagas newest first, filtered, a keyset page at a time. Any committed saga change (signalled by
 * the live stats) refetches the page shown, at most once a second, so new and changed sagas
 * appear by themselves without the console streaming every event of every saga.
 */
export function SagaList() {
  const [filter, setFilter] = useState<SagaFilter>({});
  // Cursors of the pages before the one shown: "Newer" pops one, "Older" pushes endCursor.
  const [cursors, setCursors] = useState<(string | null)[]>([]);
  const after = cursors.length ? cursors[cursors.length - 1] : null;
  const page = useQuery(ConsoleSagasDocument, { filter, first: PAGE_SIZE, after });
  const refetch = useThrottled(page.reload, 1000);
  const applyFilter = (next: SagaFilter) => { setFilter(next); setCursors([]); };
  const sagas = page.data?.sagas;
  return (
    <section>
      <StatsBar onPick={(status) => applyFilter({ ...filter, status: [status] })} onChange={refetch} />
      <SagaFilters key={JSON.stringify(filter)} value={filter} onChange={applyFilter} />
      <Refusal error={page.error} />
      <p className="count">{sagas ? `${sagas.totalCount} sagas match` : 'loading…'}</p>
      <table className="sagas" data-testid="saga-table">
        <thead>
          <tr><th>Started</th><th>Status</th><th>Step</th><th>Order</th><th>Customer</th><th>Amount</th><th>Last error</th></tr>
        </thead>
        <tbody>
          {sagas?.edges.map(({ node }) => (
            <tr key={node.id} data-saga-id={node.id} data-order-id={node.orderId}>
              <td><a href={`#/saga/${node.id}`}><Time at={node.startedAt} /></a></td>
              <td><Status value={node.status} /></td>
              <td>{node.currentStep ?? '–'}</td>
              <td><a href={`#/saga/${node.id}`}>{node.orderId}</a></td>
              <td>{node.customerId}</td>
              <td>{node.totalAmount} {node.currency}</td>
              <td className="error">{node.lastError}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="pager">
        <button disabled={!cursors.length} onClick={() => setCursors(cursors.slice(0, -1))}>← Newer</button>
        <button disabled={!sagas?.pageInfo.hasNextPage} onClick={() => setCursors([...cursors, sagas!.pageInfo.endCursor!])}>Older →</button>
      </div>
    </section>
  );
}
