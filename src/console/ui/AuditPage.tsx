import { useState, type FormEvent } from 'react';
import { AuditTable } from './AuditTable';
import { ConsoleAuditLogDocument, ConsoleAuditUpdatedDocument, type AuditFilter, type ConsoleAuditFragment } from './generated';
import { useQuery, useSubscription } from './hooks';
import { Refusal } from './ui';

const FIELDS = ['sagaId', 'actor', 'action', 'outcome', 'since', 'until'] as const;

/** The audit log, newest first, filtered; new entries and outcomes arrive live. */
export function AuditPage() {
  const [filter, setFilter] = useState<AuditFilter>({});
  const [form, setForm] = useState<Record<string, string>>({});
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const [live, setLive] = useState<ConsoleAuditFragment[]>([]);
  const first = useQuery(ConsoleAuditLogDocument, { filter, after: pages[pages.length - 1] });
  useSubscription(ConsoleAuditUpdatedDocument, { filter }, ({ auditLogUpdated: entry }) => {
    setLive((list) => [entry, ...list.filter((e) => e.id !== entry.id)]);
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next: AuditFilter = {};
    for (const f of FIELDS) {
      const value = form[f]?.trim();
      if (value) next[f] = f === 'since' || f === 'until' ? new Date(value).toISOString() : value;
    }
    setFilter(next);
    setPages([null]);
    setLive([]);
  };
  const page = first.data?.auditLog;
  // Live entries lead (only on the newest page); a live update replaces the listed entry.
  const liveIds = new Set(live.map((e) => e.id));
  const entries = pages.length === 1 ? [...live, ...(page?.entries ?? []).filter((e) => !liveIds.has(e.id))] : page?.entries ?? [];
  return (
    <section>
      <h2>Audit log</h2>
      <form className="filters" onSubmit={submit}>
        <div className="fields">
          {FIELDS.map((f) => (
            <label key={f}>{f}
              <input name={`audit-${f}`} type={f === 'since' || f === 'until' ? 'datetime-local' : 'text'} value={form[f] ?? ''} onChange={(e) => setForm({ ...form, [f]: e.target.value })} />
            </label>
          ))}
        </div>
        <button type="submit">Apply</button>
      </form>
      <Refusal error={first.error} />
      <AuditTable entries={entries} showSaga />
      <div className="pager">
        <button disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>← Newer</button>
        <button disabled={!page?.hasNextPage} onClick={() => setPages([...pages, page!.endCursor!])}>Older →</button>
      </div>
    </section>
  );
}
