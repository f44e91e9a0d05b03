import { useEffect, useState, type FormEvent } from 'react';
import type { ApiError } from './api';
import { Refusal } from './ui';

/** Asks for an API key (as configured in AUTH_TOKENS) and checks it with the `me` query. */
export function SignIn({ initialKey, onSignIn }: { initialKey: string | null; onSignIn(key: string): Promise<void> }) {
  const [key, setKey] = useState(initialKey ?? '');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await onSignIn(key.trim());
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
    }
  };
  // A key kept from earlier in this tab signs in by itself (e.g. after a reload).
  useEffect(() => { if (initialKey) void submit(); }, []); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <form className="sign-in" onSubmit={submit}>
      <h1>saga-control-plane</h1>
      <label>
        API key
        <input name="apiKey" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} autoFocus />
      </label>
      <button type="submit" disabled={busy || !key.trim()}>Sign in</button>
      <Refusal error={error} />
      <p className="hint">The key is kept in this tab's session storage only.</p>
    </form>
  );
}
