import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

/** A refusal or failure from the API, with the error code the API gave (e.g. INVALID_STATE). */
export class ApiError extends Error {
  constructor(message: string, readonly code: string, readonly extensions: Record<string, any> = {}) {
    super(message);
  }
}

export interface Sink<T> {
  next(data: T): void;
  error?(error: ApiError): void;
}

export interface Api {
  request<R, V>(document: TypedDocumentNode<R, V>, variables?: V): Promise<R>;
  /**
   * Subscribes; the socket reconnects by itself. `resume` says, after each result, which
   * variables to subscribe with after a reconnect (e.g. afterSequence: the last event seen).
   */
  subscribe<R, V>(document: TypedDocumentNode<R, V>, variables: V, sink: Sink<R>, resume?: (data: R) => Partial<V>): () => void;
  /** Called with true when the socket is up, false while it reconnects. */
  onConnection(listener: (up: boolean) => void): () => void;
  close(): void;
}

const GRAPHQL_PATH = '/graphql';

export function createApi(apiKey: string): Api {
  const authorization = `Bearer ${apiKey}`;
  const ws: Client = createClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${GRAPHQL_PATH}`,
    connectionParams: { authorization },
    lazy: true,
    // An operations console keeps trying: the service may be restarting.
    retryAttempts: Number.MAX_SAFE_INTEGER,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** retries, 3000))),
  });
  const listeners = new Set<(up: boolean) => void>();
  ws.on('connected', () => listeners.forEach((l) => l(true)));
  ws.on('closed', () => listeners.forEach((l) => l(false)));

  return {
    async request(document, variables) {
      const response = await fetch(GRAPHQL_PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}`, extensions: { code: 'HTTP_ERROR' } }] }));
      if (body.errors?.length) throw toApiError(body.errors);
      return body.data;
    },
    subscribe(document, variables, sink, resume) {
      // graphql-ws sends this same payload object again on every reconnect, so updating its
      // variables in place makes the re-subscription continue where the stream left off.
      const payload = { query: print(document), variables: { ...variables } as Record<string, unknown> };
      return ws.subscribe<any>(payload, {
        next: (result) => {
          if (result.errors?.length) return sink.error?.(toApiError(result.errors));
          sink.next(result.data);
          if (resume) Object.assign(payload.variables, resume(result.data));
        },
        error: (error) => sink.error?.(Array.isArray(error) ? toApiError(error) : new ApiError(String((error as any)?.reason || error), 'CONNECTION')),
        complete: () => {},
      });
    },
    onConnection(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => void ws.dispose(),
  };
}

function toApiError(errors: readonly { message: string; extensions?: Record<string, any> }[]): ApiError {
  const [first] = errors;
  return new ApiError(first.message, first.extensions?.code ?? 'ERROR', first.extensions ?? {});
}

/** A fresh idempotency key: the API wants at least 8 characters; a UUID is unique enough. */
export const newIdempotencyKey = (): string => crypto.randomUUID();
