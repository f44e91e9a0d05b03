import type { ApolloServerPlugin } from '@apollo/server';
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
          const type = operation?.operation ?? 'query';
          span.updateName(operationName ? `${type} ${operationName}` : type);
          span.setAttributes({
            'graphql.operation.type': type,
            ...(operationName ? { 'graphql.operation.name': operationName } : {}),
            ...(contextValue.viewer ? { 'enduser.id': contextValue.viewer.actor } : {}),
          });
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
