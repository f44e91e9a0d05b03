import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string } & Record<string, unknown>;
}

type Document<R, V> = string | TypedDocumentNode<R, V>;
const text = <R, V>(doc: Document<R, V>) => (typeof doc === 'string' ? doc : print(doc));

/** POSTs a GraphQL operation (a generated typed document or a string) over HTTP. */
export async function postGraphQL<R = any, V = Record<string, unknown>>(
  url: string, document: Document<R, V>, variables?: V, headers: Record<string, string> = {},
): Promise<{ status: number; body: { data?: R | null; errors?: GraphQLErrorBody[] } }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: text(document), variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: R; errors?: GraphQLErrorBody[] } };
}

/** A graphql-ws client on the service's /graphql path. */
export function wsClient(url: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes and resolves with the first `count` results (or rejects on an error). */
export function takeFromSubscription<T = any, V = Record<string, unknown>>(client: Client, document: Document<T, V>, count: number, variables?: V): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const results: T[] = [];
    const unsubscribe = client.subscribe<T>({ query: text(document), variables: variables as Record<string, unknown> | undefined }, {
      next: (value) => {
        if (value.errors) { unsubscribe(); reject(new Error(JSON.stringify(value.errors))); return; }
        if (results.length >= count) return; // more may arrive before the unsubscribe lands
        results.push(value.data as T);
        if (results.length === count) { unsubscribe(); resolve([...results]); }
      },
      error: (error) => reject(asError(error)),
      complete: () => { if (results.length < count) reject(new Error(`completed after ${results.length} results`)); },
    });
  });
}

/** graphql-ws reports errors, an Error or the socket's CloseEvent (whose fields do not stringify). */
function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  const close = error as { code?: unknown; reason?: unknown };
  if (typeof close?.code === 'number') return new Error(`connection closed: ${close.code} ${String(close.reason ?? '')}`);
  return new Error(JSON.stringify(error));
}
