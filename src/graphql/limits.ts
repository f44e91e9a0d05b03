import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
}

/** Validation rule rejecting queries nested deeper than maxDepth (both transports). */
export const depthRule = (limits: QueryLimits) => depthLimit(limits.maxDepth);

/**
 * Complexity: each field costs 1 unless its resolver declares more (`complexity` in type-graphql),
 * list fields multiply by their `first`. Throws a GraphQL error over the limit.
 */
export function checkComplexity(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined, limits: QueryLimits): void {
  const complexity = getComplexity({
    schema, query: document, operationName, variables: variables ?? {},
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
  });
  if (complexity > limits.maxComplexity) {
    throw new GraphQLError(`query too complex: ${complexity} exceeds the limit of ${limits.maxComplexity}`, { extensions: { code: 'QUERY_TOO_COMPLEX', complexity, limit: limits.maxComplexity } });
  }
}

export function complexityPlugin(schema: GraphQLSchema, limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          checkComplexity(schema, document, request.variables, request.operationName ?? undefined, limits);
        },
      };
    },
  };
}
