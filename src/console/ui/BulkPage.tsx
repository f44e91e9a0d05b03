import { useState } from 'react';
import type { ApiError } from './api';
import {
  ConsoleBulkPreviewDocument, ConsoleBulkProgressDocument, ConsoleBulkRunDocument,
  type BulkActionKind, type ConsoleBulkFragment, type ConsoleBulkPreviewMutation, type ConsoleBulkProgressSubscription, type SagaFilter,
} from './generated';
import { useIdempotencyKeys, useSession, useSubscription } from './hooks';
import { canOperate } from './roles';
import { SagaFilters } from './SagaFilters';
import { Refusal, Status, Time } from './ui';

type Preview = ConsoleBulkPreviewMutation['previewBulkAction'];
type Item = NonNullable<ConsoleBulkProgressSubscription['bulkActionProgress']['item']>;

const KINDS: BulkActionKind[] = ['RESUME', 'RETRY_STEP', 'RESEND_COMMAND', 'COMPENSATE', 'ABORT'];

/**
 * Bulk actions: preview freezes the sagas a filter matches now; run acts on exactly those, and
 * `bulkActionProgress` streams each saga's outcome, then a summary.
 */
export function BulkPage() {
  const { api, roles } = useSession();
  const keyFor = useIdempotencyKeys();
  const [filter, setFilter] = useState<SagaFilter>({ status: ['RUNNING'] });
  const [action, setAction] = useState<BulkActionKind>('RESUME');
  const [step, setStep] = useState('');
  const [limit, setLimit] = useState(100);
  const [preview, setPreview] = useState<Preview>();
  const [reason, setReason] = useState('');
  const [run, setRun] = useState<ConsoleBulkFragment>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  if (!canOperate(roles)) return <p className="muted">Bulk actions need role operator.</p>;
  const attempt = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try { await work(); } catch (e) { setError(e as ApiError); } finally { setBusy(false); }
  };
  const needsStep = action === 'RETRY_STEP' || action === 'RESEND_COMMAND';
  const doPreview = () => attempt(async () => {
    setRun(undefined);
    const { previewBulkAction } = await api.request(ConsoleBulkPreviewDocument, { filter, limit, action: { action, step: needsStep ? step : null } });
    setPreview(previewBulkAction);
  });
  const doRun = () => attempt(async () => {
    const request = { token: preview!.token, reason: reason.trim() };
    const { runBulkAction } = await api.request(ConsoleBulkRunDocument, { ...request, idempotencyKey: keyFor(request) });
    setRun(runBulkAction);
  });
  return (
    <section className="bulk">
      <h2>Bulk action</h2>
      <SagaFilters value={filter} onChange={(f) => { setFilter(f); setPreview(undefined); }} />
      <div className="fields">
        <label>Action
          <select name="bulk-action" value={action} onChange={(e) => { setAction(e.target.value as BulkActionKind); setPreview(undefined); }}>
            {KINDS.map((k) => <option key={k}>{k}</option>)}
          </select>
        </label>
        {needsStep && <label>Step <input name="bulk-step" value={step} onChange={(e) => setStep(e.target.value)} /></label>}
        <label>At most <input name="bulk-limit" type="number" min={1} max={10000} value={limit} onChange={(e) => setLimit(Number(e.target.value))} /></label>
        <button type="button" name="preview" onClick={doPreview} disabled={busy}>Preview selection</button>
      </div>
      <Refusal error={error} />
      {preview && (
        <div className="preview" data-testid="bulk-preview">
          <p><b data-testid="bulk-count">{preview.count}</b> sagas selected for {preview.action}{preview.step ? ` of ${preview.step}` : ''}
            {preview.truncated && ' (more matched: only the first were selected)'}; run before <Time at={preview.expiresAt} />.</p>
          <details><summary>Saga ids</summary>{preview.sagaIds.map((id) => <div key={id}><a href={`#/saga/${id}`}>{id}</a></div>)}</details>
          {!run && (
            <div className="fields">
              <label>Reason <input name="bulk-reason" value={reason} onChange={(e) => setReason(e.target.value)} /></label>
              <button type="button" name="run" onClick={doRun} disabled={busy || !reason.trim() || preview.count === 0}>Run on these {preview.count}</button>
            </div>
          )}
        </div>
      )}
      {run && <Progress key={run.id} run={run} />}
    </section>
  );
}

function Progress({ run }: { run: ConsoleBulkFragment }) {
  const [items, setItems] = useState<Item[]>([]);
  const [summary, setSummary] = useState<ConsoleBulkFragment>(run);
  const error = useSubscription(ConsoleBulkProgressDocument, { id: run.id, afterSequence: 0 }, ({ bulkActionProgress: p }) => {
    if (p.item) setItems((list) => [...list.filter((i) => i.sagaId !== p.item!.sagaId), p.item!]);
    if (p.summary) setSummary(p.summary);
  }, (d) => ({ afterSequence: d.bulkActionProgress.sequence }));
  const done = items.length;
  return (
    <div className="progress" data-testid="bulk-progress" data-status={summary.status}>
      <p>
        <Status value={summary.status} /> <span data-testid="bulk-done">{done}</span> of {run.total} done
        {summary.status === 'FINISHED' && <> — {summary.succeeded} succeeded, {summary.failed} failed, {summary.skipped} skipped</>}
      </p>
      <progress max={run.total || 1} value={done} />
      <Refusal error={error} />
      <table>
        <thead><tr><th>#</th><th>Saga</th><th>Outcome</th><th>Code</th><th>Message</th></tr></thead>
        <tbody>
          {[...items].sort((a, b) => a.position - b.position).map((i) => (
            <tr key={i.sagaId} data-saga-id={i.sagaId} data-status={i.status}>
              <td>{i.position}</td><td><a href={`#/saga/${i.sagaId}`}>{i.sagaId}</a></td><td><Status value={i.status} /></td><td>{i.code}</td><td>{i.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
