import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import {
  GraphQLError, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate,
  type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule,
} from 'graphql';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger';
import type { GraphQLContext, Viewer } from './context';
import { checkOperation, complexityPlugin, depthRule, type QueryLimits } from './limits';
import { tracingPlugin } from './tracing-plugin';
import { serveGraphQLWs } from './ws-server';
import { WsOperationTracing, wsTraceparent } from './ws-tracing';

export interface EdgeLimits extends QueryLimits {
  /** Largest HTTP body and largest graphql-ws message, in bytes. */
  maxRequestBytes: number;
  wsMaxSubscriptions: number;
  wsMaxConnectionsPerKey: number;
}

export interface GraphQLHttpOptions {
  httpServer: Server;
  app: express.Express;
  schema: GraphQLSchema;
  logger: Logger;
  /** The caller an Authorization value names: null without one, 'invalid' for one matching no key. */
  authenticate(authorization: unknown): Viewer | null | 'invalid';
  /** Builds a request's context from its credentials (Authorization header or connection_init). */
  contextFor(authorization: unknown): GraphQLContext;
  limits: EdgeLimits;
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
  'PLAN_OUTDATED', 'SELECTION_EXPIRED', 'TOO_MANY_SUBSCRIPTIONS', 'QUERY_TIMEOUT', 'INVALID_COMMAND', 'SUBSCRIBER_TOO_SLOW',
]);

/** PostgreSQL's query_canceled: the read pool's statement_timeout ended the statement. */
const STATEMENT_TIMEOUT = '57014';

/** The error behind wrappers (GraphQLError.originalError chains). */
function rootCause(error: unknown): unknown {
  let current = error;
  while (current && typeof current === 'object' && 'originalError' in current && (current as { originalError?: unknown }).originalError) {
    current = (current as { originalError: unknown }).originalError;
  }
  return current;
}

/**
 * One formatter for both transports: client errors pass, a read cut by the statement timeout says
 * so, anything else becomes "internal server error" (logged) when masking is on.
 */
export function errorFormatter(maskErrors: boolean, logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const { http: _http, stacktrace, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    const code = extensions.code as string | undefined;
    const where = { path: formatted.path, locations: formatted.locations };
    if ((rootCause(error) as { code?: unknown } | undefined)?.code === STATEMENT_TIMEOUT) {
      return { message: 'the query took longer than the read statement timeout; ask for less (a narrower filter, a smaller page)', extensions: { code: 'QUERY_TIMEOUT' }, ...where };
    }
    if (!maskErrors || (code && CLIENT_CODES.has(code))) return { ...formatted, extensions: maskErrors ? extensions : { ...extensions, ...(stacktrace ? { stacktrace } : {}) } };
    logger.error({ err: error }, 'internal error in a GraphQL operation');
    return { message: 'internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' }, ...where };
  };
}

/** The same error with a code (graphql-js's parse and validation errors carry none). */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions: { ...error.extensions, code } });
}

/**
 * Mounts Apollo Server (queries, mutations) and graphql-ws (subscriptions, and any operation a
 * socket sends) on the same path of one HTTP server, with the same authentication, limits and
 * error masking on both. Returns a stop function that closes sockets and drains in-flight requests.
 */
export async function mountGraphQL(options: GraphQLHttpOptions): Promise<() => Promise<void>> {
  const path = options.path ?? '/graphql';
  const { schema, logger, limits } = options;
  const formatError = errorFormatter(options.maskErrors, logger);
  const rules: ValidationRule[] = [depthRule(limits), ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule])];

  const wsServer = new WebSocketServer({ server: options.httpServer, path, maxPayload: limits.maxRequestBytes });
  const connectionsPerKey = new Map<Viewer, number>();
  const counted = new WeakMap<object, Viewer>();
  const wsTracing = new WsOperationTracing();
  const wsCleanup = serveGraphQLWs<Record<string, unknown>>(
    {
      schema,
      isProd: options.maskErrors,
      onConnect: (ctx) => {
        // Refused at connection_init, so no unauthenticated socket stays open.
        const viewer = options.authenticate(ctx.connectionParams?.authorization);
        if (!viewer || viewer === 'invalid') return false;
        const open = connectionsPerKey.get(viewer) ?? 0;
        if (open >= limits.wsMaxConnectionsPerKey) {
          // 1008 (policy violation) with the reason; graphql-ws's own 4403 after it is a no-op.
          ctx.extra.socket.close(1008, `too many connections for this API key (limit ${limits.wsMaxConnectionsPerKey})`);
          return false;
        }
        connectionsPerKey.set(viewer, open + 1);
        counted.set(ctx, viewer);
        return true;
      },
      onClose: (ctx) => {
        wsTracing.closed(ctx);
        const viewer = counted.get(ctx);
        if (!viewer) return;
        counted.delete(ctx);
        const left = (connectionsPerKey.get(viewer) ?? 1) - 1;
        if (left > 0) connectionsPerKey.set(viewer, left);
        else connectionsPerKey.delete(viewer);
      },
      onSubscribe: (ctx, id, payload) => {
        const traceparent = wsTracing.started(ctx, id, wsTraceparent(payload.extensions, ctx.connectionParams));
        const result = admitOperation(ctx, payload);
        if (Array.isArray(result)) {
          wsTracing.refused(ctx, id, result);
          return result;
        }
        const contextValue = options.contextFor(ctx.connectionParams?.authorization);
        if (traceparent) contextValue.traceparent = traceparent;
        wsTracing.resolved(ctx, id, result.document, result.operationName, contextValue.viewer?.actor);
        // Returning the arguments skips graphql-ws's own parse and validation: ours ran in admitOperation.
        return { schema, ...result, contextValue };
      },
      onNext: (ctx, id, _payload, _args, result) => {
        if (!result.errors) return undefined;
        wsTracing.failed(ctx, id, result.errors);
        return { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) };
      },
      onError: (ctx, id, _payload, errors) => {
        wsTracing.failed(ctx, id, errors);
        return errors.map((e) => formatError(e.toJSON(), e));
      },
      onComplete: (ctx, id) => wsTracing.completed(ctx, id),
    },
    wsServer,
    logger,
  );

  /** The limits, parse and validation of one socket operation: its execution arguments, or the errors that refuse it. */
  function admitOperation(ctx: { subscriptions: object }, payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null }):
    GraphQLError[] | { document: DocumentNode; variableValues: Record<string, unknown> | undefined; operationName: string | undefined } {
    // ctx.subscriptions already holds this operation.
    if (Object.keys(ctx.subscriptions).length > limits.wsMaxSubscriptions) {
      return [new GraphQLError(`too many subscriptions: at most ${limits.wsMaxSubscriptions} subscriptions at once on one connection`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: limits.wsMaxSubscriptions } })];
    }
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: limits.maxTokens });
    } catch (error) {
      if (error instanceof GraphQLError) return [withCode(error, 'GRAPHQL_PARSE_FAILED')];
      throw error;
    }
    const invalid = validate(schema, document, [...specifiedRules, ...rules]);
    if (invalid.length > 0) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
    const variables = payload.variables ?? undefined;
    const operationName = payload.operationName ?? undefined;
    try {
      checkOperation(schema, document, variables, operationName, limits);
    } catch (error) {
      if (error instanceof GraphQLError) return [error];
      throw error;
    }
    return { document, variableValues: variables, operationName };
  }

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    csrfPrevention: true,
    introspection: options.introspection,
    validationRules: [depthRule(limits)],
    parseOptions: { maxTokens: limits.maxTokens },
    formatError,
    // Stack traces only while developing (maskErrors off), never to clients in production.
    includeStacktraceInErrorResponses: !options.maskErrors,
    // main.ts owns signal handling and stops everything in order, Apollo included.
    stopOnTerminationSignals: false,
    plugins: [
      complexityPlugin(schema, limits),
      tracingPlugin(),
      // Browsers get the bundled GraphiQL (src/console/serve.ts), not Apollo's CDN-loaded page.
      ApolloServerPluginLandingPageDisabled(),
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
  options.app.use(path, authenticateFirst(options.authenticate), express.json({ limit: limits.maxRequestBytes }), expressMiddleware(apollo, {
    context: async ({ req }) => options.contextFor(req.headers.authorization),
  }));
  return async () => {
    await apollo.stop();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  };
}

/**
 * 401 before the body is read, parsed or costed, for any request that carries an operation
 * without a valid key. A plain GET with no `query` (a page, e.g. a console) passes.
 */
function authenticateFirst(authenticate: GraphQLHttpOptions['authenticate']): express.RequestHandler {
  return (req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && req.query.query === undefined) return next();
    const viewer = authenticate(req.headers.authorization);
    if (viewer && viewer !== 'invalid') return next();
    const message = viewer === 'invalid' ? 'invalid credentials' : 'authentication required: send an API key as a Bearer token';
    res.status(401).json({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
  };
}

/**
 * Express's default error handler answers HTML, with the stack and file paths unless NODE_ENV is
 * production. This one answers a GraphQL-shaped JSON error whatever NODE_ENV is: malformed JSON
 * (400), a body over the limit (413), anything else (500, logged, no details). Mount it last.
 */
export function jsonErrorHandler(logger: Logger): express.ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const { status: given, type, limit } = (error ?? {}) as { status?: unknown; type?: unknown; limit?: unknown };
    const status = typeof given === 'number' && given >= 400 && given < 600 ? given : 500;
    let code = 'INTERNAL_SERVER_ERROR';
    let message = 'internal server error';
    if (type === 'entity.too.large') { code = 'PAYLOAD_TOO_LARGE'; message = `request body over the limit of ${String(limit)} bytes`; }
    else if (type === 'entity.parse.failed') { code = 'BAD_REQUEST'; message = 'request body is not valid JSON'; }
    else if (status < 500) { code = 'BAD_REQUEST'; message = 'bad request'; }
    else logger.error({ err: error }, 'unhandled error in an HTTP request');
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}
