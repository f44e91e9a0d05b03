import type { ApolloServerPlugin } from '@apollo/server';
import type { Span } from '@opentelemetry/api';
import { failSpan, remoteContext, SpanKind, startSpan, tracingEnabled, traceparentOf } from '../tracing/tracing';
import type { GraphQLContext } from './context';

/**
 * A span per GraphQL operation over HTTP (tracing on), under the request's `traceparent` header.
 * Either way the context's `traceparent` is what a saga started by this request joins: the
 * operation's span, or (tracing off) the caller's header.
 */
export function tracingPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      const header = request.http?.headers.get('traceparent') ?? undefined;
      if (!tracingEnabled()) {
        if (header) contextValue.traceparent = header;
        return;
      }
      const span = startSpan('graphql', remoteContext(header), {}, SpanKind.SERVER);
      contextValue.traceparent = traceparentOf(span);
      return {
        async didResolveOperation({ operation, operationName }) {
          nameOperationSpan(span, operation?.operation ?? 'query', operationName ?? undefined, contextValue.viewer?.actor);
        },
        async didEncounterErrors({ errors }) {
          failSpan(span, errors[0]);
        },
        async willSendResponse() {
          span.end();
        },
      };
    },
  };
}

/** An operation's span, once its document is known: named `<type> <name>`, with the semantic conventions' attributes (both transports). */
export function nameOperationSpan(span: Span, type: string, name: string | undefined, actor: string | undefined): void {
  span.updateName(name ? `${type} ${name}` : type);
  span.setAttributes({
    'graphql.operation.type': type,
    ...(name ? { 'graphql.operation.name': name } : {}),
    ...(actor ? { 'enduser.id': actor } : {}),
  });
}
