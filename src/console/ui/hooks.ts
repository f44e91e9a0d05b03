import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { ApiError, newIdempotencyKey, type Api } from './api';

export interface Session {
  api: Api;
  actor: string;
  roles: string[];
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}

export interface QueryState<R> {
  data?: R;
  error?: ApiError;
  loading: boolean;
  reload(): void;
}

/** Runs a query now and again whenever `variables` change (compared as JSON) or on reload(). */
export function useQuery<R, V>(document: TypedDocumentNode<R, V>, variables: V, skip = false): QueryState<R> {
  const { api } = useSession();
  const [state, setState] = useState<{ data?: R; error?: ApiError; loading: boolean }>({ loading: !skip });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(variables);
  useEffect(() => {
    if (skip) return;
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    api.request(document, variables).then(
      (data) => current && setState({ data, loading: false }),
      (error: ApiError) => current && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => { current = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, document, key, tick, skip]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Subscribes while mounted (and again when `variables` change); `onData` may change freely. */
export function useSubscription<R, V>(document: TypedDocumentNode<R, V>, variables: V | null, onData: (data: R) => void, resume?: (data: R) => Partial<V>): ApiError | undefined {
  const { api } = useSession();
  const latest = useRef(onData);
  latest.current = onData;
  const resumeRef = useRef(resume);
  resumeRef.current = resume;
  const [error, setError] = useState<ApiError>();
  const key = JSON.stringify(variables);
  useEffect(() => {
    if (variables === null) return;
    setError(undefined);
    return api.subscribe(document, variables, { next: (d) => latest.current(d), error: setError }, resumeRef.current && ((d) => resumeRef.current!(d)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, document, key]);
  return error;
}

/** Calls `fn` at most once per `ms`, trailing: bursts of live events cost one refetch. */
export function useThrottled(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => { timer.current = undefined; latest.current(); }, ms);
  }, [ms]);
}

/**
 * One idempotency key per distinct request: sending the same request twice (a double click, a
 * retry after a lost response) reuses its key, so the API acts once; a changed request gets a new key.
 */
export function useIdempotencyKeys(): (request: unknown) => string {
  const keys = useRef(new Map<string, string>());
  return useCallback((request: unknown) => {
    const id = JSON.stringify(request);
    let key = keys.current.get(id);
    if (!key) keys.current.set(id, (key = newIdempotencyKey()));
    return key;
  }, []);
}

/** The current location hash as a path, e.g. `#/saga/123` -> `/saga/123`. */
export function useRoute(): string {
  const [route, setRoute] = useState(() => location.hash.slice(1) || '/');
  useEffect(() => {
    const update = () => setRoute(location.hash.slice(1) || '/');
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** Socket state for the header: true while connected. */
export function useConnection(): boolean {
  const { api } = useSession();
  const [up, setUp] = useState(false);
  useEffect(() => api.onConnection(setUp), [api]);
  return up;
}
