import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { ApiError } from './api';
import { useIdempotencyKeys, useSession } from './hooks';
import { Refusal } from './ui';

export interface ActionDialogProps<V> {
  title: string;
  document: TypedDocumentNode<unknown, V & { reason: string; idempotencyKey: string }>;
  /** The mutation's variables for this reason; null while the form above is not ready. */
  variables(reason: string): V | null;
  onDone(): void;
  onCancel(): void;
  /** A refusal the caller handles (e.g. PLAN_OUTDATED shows the new plan); true when handled. */
  onRefused?(error: ApiError): boolean;
  children?: ReactNode;
}

/**
 * Asks for a reason and runs one manual action. The same request always goes with the same
 * idempotency key, so a double click or a retry after a lost response acts once.
 */
export function ActionDialog<V>({ title, document, variables, onDone, onCancel, onRefused, children }: ActionDialogProps<V>) {
  const { api } = useSession();
  const keyFor = useIdempotencyKeys();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const request = variables(reason.trim());
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!request || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.request(document, { ...request, reason: reason.trim(), idempotencyKey: keyFor({ title, request, reason }) });
      onDone();
    } catch (e) {
      if (!onRefused?.(e as ApiError)) setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="dialog" onSubmit={submit} data-testid="action-dialog">
      <h4>{title}</h4>
      {children}
      <label>
        Reason (recorded in the saga's log and the audit log)
        <textarea name="reason" value={reason} onChange={(e) => setReason(e.target.value)} required />
      </label>
      <Refusal error={error} />
      <div className="buttons">
        <button type="submit" name="confirm" disabled={busy || !request || !reason.trim()}>{busy ? 'Sending…' : title}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
