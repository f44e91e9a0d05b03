import type { Span } from '@opentelemetry/api';
import { getOperationAST, type DocumentNode, type GraphQLError } from 'graphql';
import { failSpan, remoteContext, SpanKind, startSpan, tracingEnabled, traceparentOf } from '../tracing/tracing';
import { nameOperationSpan } from './tracing-plugin';

/**
 * A span per operation a graphql-ws socket runs (subscriptions, and queries and mutations sent
 * over the socket), the counterpart of tracing-plugin.ts for HTTP: named and attributed the same
 * way (`subscription SagaUpdated`, graphql.operation.type / .name), started when the client
 * subscribes, ended when the operation completes, fails or its socket closes, errors recorded.
 *
 * The caller's trace: a `traceparent` in the subscribe message's `extensions`, else one in the
 * connection_init payload (for every operation of that connection), else a new trace. Tracing
 * off, no span and no bookkeeping: only the caller's `traceparent` is passed on, as on HTTP.
 */
export class WsOperationTracing {
  /** Open spans per connection (graphql-ws's ctx) and operation id. */
  private readonly open = new WeakMap<object, Map<string, Span>>();

  /** The operation was subscribed; returns the traceparent a saga it starts joins. */
  started(connection: object, id: string, callerTraceparent: string | undefined): string | undefined {
    if (!tracingEnabled()) return callerTraceparent;
    const span = startSpan('graphql', remoteContext(callerTraceparent), {}, SpanKind.SERVER);
    let spans = this.open.get(connection);
    if (!spans) this.open.set(connection, (spans = new Map()));
    spans.get(id)?.end(); // graphql-ws refuses a reused id; never leave a span open
    spans.set(id, span);
    return traceparentOf(span);
  }

  /** The document parsed: the span takes the operation's type and name. */
  resolved(connection: object, id: string, document: DocumentNode, operationName: string | undefined, actor: string | undefined): void {
    const span = this.spanOf(connection, id);
    if (!span) return;
    // The name as the document gives it: a client need not send operationName for a single operation.
    const operation = getOperationAST(document, operationName);
    nameOperationSpan(span, operation?.operation ?? 'query', operation?.name?.value, actor);
  }

  /** Errors in a result or an error message: recorded; the operation may still go on (a subscription's next event). */
  failed(connection: object, id: string, errors: readonly GraphQLError[]): void {
    const span = this.spanOf(connection, id);
    if (span && errors.length > 0) failSpan(span, errors[0]);
  }

  /** Refused before it ran (limits, parse, validation): graphql-ws sends the errors and no `complete`. */
  refused(connection: object, id: string, errors: readonly GraphQLError[]): void {
    this.failed(connection, id, errors);
    this.completed(connection, id);
  }

  completed(connection: object, id: string): void {
    const spans = this.open.get(connection);
    spans?.get(id)?.end();
    spans?.delete(id);
  }

  /** The socket closed: every operation still open on it ends here. */
  closed(connection: object): void {
    const spans = this.open.get(connection);
    if (!spans) return;
    for (const span of spans.values()) span.end();
    this.open.delete(connection);
  }

  private spanOf(connection: object, id: string): Span | undefined {
    return tracingEnabled() ? this.open.get(connection)?.get(id) : undefined;
  }
}

/** The caller's `traceparent`: the subscribe message's extensions first, then connection_init's payload. */
export function wsTraceparent(extensions: unknown, connectionParams: unknown): string | undefined {
  for (const source of [extensions, connectionParams]) {
    const value = (source as { traceparent?: unknown } | null | undefined)?.traceparent;
    if (typeof value === 'string') return value;
  }
  return undefined;
}
