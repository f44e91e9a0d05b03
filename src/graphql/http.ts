import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, parse, specifiedRules, validate, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger';
import type { GraphQLContext } from './context';
import { checkComplexity, complexityPlugin, depthRule, type QueryLimits } from './limits';

export interface GraphQLHttpOptions {
  httpServer: Server;
  app: express.Express;
  schema: GraphQLSchema;
  logger: Logger;
  /** Builds a request's context from its credentials (Authorization header or connection_init). */
  contextFor(authorization: unknown): GraphQLContext;
  limits: QueryLimits;
  introspection: boolean;
  /** Hide internal error messages from clients (on unless developing). */
  maskErrors: boolean;
  path?: string;
}

/** Error codes whose messages are meant for clients; anything else is masked when masking is on. */
const CLIENT_CODES = new Set([
  'UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED',
  'QUERY_TOO_COMPLEX', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST',
  'NOT_FOUND', 'INVALID_STATE', 'STEP_NOT_FOUND', 'NOT_SKIPPABLE', 'INVALID_OUTPUT', 'IDEMPOTENCY_KEY_REUSED',
  'PLAN_OUTDATED', 'SELECTION_EXPIRED', 'INVALID_COMMAND',
]);

/**
 * Mounts Apollo Server (queries, mutations) and graphql-ws (subscriptions) on the same path of
 * one HTTP server, with the same auth, limits and error masking on both. Returns a stop
 * function that closes sockets and drains in-flight requests.
 */
export async function mountGraphQL(options: GraphQLHttpOptions): Promise<() => Promise<void>> {
  const path = options.path ?? '/graphql';
  const { schema, logger, limits } = options;
  const formatError = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code as string | undefined;
    if (!options.maskErrors || (code && CLIENT_CODES.has(code))) return formatted;
    logger.error({ err: error }, 'internal error in a GraphQL operation');
    return { message: 'internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' }, path: formatted.path, locations: formatted.locations };
  };

  const wsServer = new WebSocketServer({ server: options.httpServer, path });
  const wsCleanup = useServer<Record<string, unknown>>(
    {
      schema,
      context: (ctx) => options.contextFor(ctx.connectionParams?.authorization),
      validate: (s, document) => validate(s, document, [...specifiedRules, depthRule(limits)]),
      onSubscribe: (_ctx, _id, payload) => {
        // Complexity needs the variables, so it runs here rather than as a validation rule.
        try {
          checkComplexity(schema, parse(payload.query), payload.variables ?? undefined, payload.operationName ?? undefined, limits);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        return undefined;
      },
    },
    wsServer,
  );
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    introspection: options.introspection,
    validationRules: [depthRule(limits)],
    formatError,
    // Stack traces only while developing (maskErrors off), never to clients in production.
    includeStacktraceInErrorResponses: !options.maskErrors,
    // main.ts owns signal handling and stops everything in order, Apollo included.
    stopOnTerminationSignals: false,
    plugins: [
      complexityPlugin(schema, limits),
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
  });
  await apollo.start();
  options.app.use(path, express.json({ limit: '1mb' }), expressMiddleware(apollo, {
    context: async ({ req }) => options.contextFor(req.headers.authorization),
  }));
  return async () => {
    await apollo.stop();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  };
}
