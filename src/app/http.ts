import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Config } from '../config';
import { mountConsole } from '../console/serve';
import { jsonErrorHandler, mountGraphQL } from '../graphql/http';
import type { Logger } from '../logger';
import { isDatabaseHealthy } from '../persistence/database';
import type { Cleanups } from './cleanups';
import type { ControlPlane } from './control-plane';
import type { Database } from './database';
import type { GraphQLSetup } from './graphql';
import type { SagaRuntime } from './runtime';
import type { Transports } from './transport';

export interface HttpParts {
  database: Database;
  transports: Transports;
  runtime: SagaRuntime;
  controlPlane: ControlPlane;
  graphql: GraphQLSetup;
}

/** Serves /health, /ready, /metrics, the console and GraphQL (HTTP and graphql-ws) on the configured port; returns the port. */
export async function serveHttp(config: Config, logger: Logger, parts: HttpParts, cleanups: Cleanups): Promise<number> {
  const { database, transports: { transport, httpParticipants }, runtime, controlPlane: { changes, bulkProgress }, graphql } = parts;
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/ready', async (_req, res) => {
    const [databaseUp, brokerUp] = await Promise.all([isDatabaseHealthy(database.pool), transport.isHealthy()]);
    // A partition whose batches keep failing is not ready either (runtime/consumer-health.ts).
    const consumer = await runtime.orchestrator.healthReport();
    // Without its LISTEN connections this instance's subscriptions hear nothing (they reconnect by themselves).
    const listener = changes.listening && bulkProgress.listening;
    const ready = databaseUp && brokerUp && consumer.ready && listener;
    // HTTP participants' breakers are reported but do not gate readiness: an open breaker on one
    // participant should not take the whole orchestrator out of rotation.
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready', database: databaseUp, broker: brokerUp, listener, consumer,
      ...(httpParticipants ? { participants: httpParticipants.routesHealth() } : {}),
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics());
  });
  const httpServer = createServer(app);
  mountConsole(app);
  const stopGraphQL = await mountGraphQL({
    httpServer, app, schema: graphql.schema, logger,
    limits: {
      maxDepth: config.graphql.maxDepth, maxComplexity: config.graphql.maxComplexity, maxAliases: config.graphql.maxAliases,
      maxTokens: config.graphql.maxTokens, maxRequestBytes: config.graphql.maxRequestBytes,
      wsMaxSubscriptions: config.graphql.wsMaxSubscriptions, wsMaxConnectionsPerKey: config.graphql.wsMaxConnectionsPerKey,
    },
    introspection: config.graphql.introspection,
    maskErrors: config.graphql.maskErrors,
    authenticate: graphql.authenticate,
    contextFor: graphql.contextFor,
  });
  // Last, so every route's errors answer JSON (never express's HTML page with a stack).
  app.use(jsonErrorHandler(logger));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.server.port, config.server.host, () => resolve());
  });
  cleanups.add('HTTP server', async () => {
    await stopGraphQL();
    if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  });
  return (httpServer.address() as AddressInfo).port;
}
