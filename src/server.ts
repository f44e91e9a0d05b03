import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPubSub } from '@graphql-yoga/subscription';
import DataLoader from 'dataloader';
import express from 'express';
import { tracesExporter, type Config } from './config';
import { consoleExporter, otlpExporter, startTracing } from './tracing/setup';
import { mountConsole } from './console/serve';
import { createDiscovery } from './discovery';
import { ApiKeys } from './graphql/auth';
import { jsonErrorHandler, mountGraphQL } from './graphql/http';
import { buildGraphQLSchema } from './graphql/schema';
import type { Logger } from './logger';
import { InProcessTransport } from './messaging/in-process-transport';
import { KafkaTransport } from './messaging/kafka-transport';
import { HttpParticipantTransport } from './messaging/http-participant-transport';
import { PrefixedTransport } from './messaging/prefixed-transport';
import type { MessageTransport } from './runtime/ports';
import { isDatabaseHealthy, openDatabase, openReadPool } from './persistence/database';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './persistence/embedded-postgres';
import { AuditRepository } from './persistence/audit-repository';
import { SagaChangeListener } from './persistence/change-listener';
import { BulkActionRepository } from './persistence/bulk-action-repository';
import { BulkProgressListener } from './persistence/bulk-progress-listener';
import { SagaReadRepository } from './persistence/saga-read-repository';
import { placeDemoOrders, startParticipants } from './participants';
import { createSagaRuntime, type SagaRuntime } from './app/runtime';
import { BulkActionService } from './runtime/bulk-actions';

export interface RunningService {
  url: string;
  port: number;
  runtime: SagaRuntime;
  transport: MessageTransport;
  stop(): Promise<void>;
}

const VERSION = '0.1.0';

/**
 * Wiring only: builds the adapters the configuration asks for (external or embedded database,
 * Kafka or in-process transport), hands them to the runtime and serves HTTP. `stop` undoes it
 * in reverse order.
 */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        logger.debug({ cleanup: cleanup.name || 'anonymous' }, 'stopping');
        await cleanup();
      } catch (error) {
        logger.error({ err: error }, 'error while stopping');
      }
    }
    cleanups.length = 0;
  };
  try {
    let embedded: EmbeddedDatabase | undefined;
    const exporter = tracesExporter(config.tracing);
    if (exporter !== 'none') {
      const tracing = startTracing({
        serviceName: config.tracing.serviceName,
        exporter: exporter === 'otlp' ? otlpExporter({ base: config.tracing.endpoint, traces: config.tracing.tracesEndpoint }) : consoleExporter(),
      });
      // Registered first, so it runs last: the spans of the shutdown itself are exported too.
      cleanups.push(() => tracing.shutdown());
      logger.info({ exporter, serviceName: config.tracing.serviceName }, 'tracing on');
    }
    let databaseUrl = config.database.url;
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres(config.database.embeddedDir, config.database.embeddedPort, logger);
      cleanups.push(() => embedded!.stop());
      databaseUrl = embedded.url;
      logger.info({ dir: config.database.embeddedDir, port: config.database.embeddedPort }, 'embedded PostgreSQL started');
    }
    const orm = await openDatabase(databaseUrl, config.database.poolSize);
    cleanups.push(() => orm.close(true));

    const broker: MessageTransport = config.kafka.brokers
      ? new KafkaTransport({
        brokers: config.kafka.brokers.split(','), clientId: config.kafka.clientId, logger,
        fetchMinBytes: config.kafka.fetchMinBytes, fetchMaxWaitMs: config.kafka.fetchMaxWaitMs,
      })
      : new InProcessTransport();
    const prefixed = config.kafka.topicPrefix ? new PrefixedTransport(broker, config.kafka.topicPrefix) : broker;
    const discovery = createDiscovery(config, logger);
    cleanups.push(() => discovery.stop());
    const routes = config.participantHttp.routes;
    const http = config.participantHttp;
    const httpParticipants = Object.keys(routes).length > 0
      ? new HttpParticipantTransport({
        inner: prefixed, routes, logger, timeoutMs: http.timeoutMs, retries: http.retries, services: discovery.services,
        breaker: { errorThresholdPercentage: http.breakerErrorPercent, resetTimeout: http.breakerResetMs, volumeThreshold: http.breakerVolume },
      })
      : undefined;
    const transport: MessageTransport = httpParticipants ?? prefixed;
    cleanups.push(() => transport.close());

    const runtime = createSagaRuntime(config, orm, transport, logger);
    await runtime.orchestrator.start();
    cleanups.push(() => runtime.orchestrator.stop());

    const simulate = config.simulators.enabled === 'true' || (config.simulators.enabled === 'auto' && !config.kafka.brokers);
    if (simulate) {
      const participants = await startParticipants(transport, { logger });
      cleanups.push(() => participants.stop());
      await placeDemoOrders(participants, config.simulators.demoOrders, logger);
    }

    const app = express();
    app.disable('x-powered-by');
    app.get('/health', (_req, res) => { res.json({ status: 'ok' }); });
    app.get('/ready', async (_req, res) => {
      const [database, broker] = await Promise.all([isDatabaseHealthy(orm), transport.isHealthy()]);
      // A partition whose batches keep failing is not ready either (runtime/consumer-health.ts).
      const consumer = runtime.orchestrator.health.report();
      // Without its LISTEN connections this instance's subscriptions hear nothing (they reconnect by themselves).
      const listener = changes.listening && bulkProgress.listening;
      const ready = database && broker && consumer.ready && listener;
      // HTTP participants' breakers are reported but do not gate readiness: an open breaker on one
      // participant should not take the whole orchestrator out of rotation.
      res.status(ready ? 200 : 503).json({
        status: ready ? 'ready' : 'not ready', database, broker, listener, consumer,
        ...(httpParticipants ? { participants: httpParticipants.routesHealth() } : {}),
      });
    });
    app.get('/metrics', async (_req, res) => {
      res.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics());
    });
    const httpServer = createServer(app);
    // GraphQL reads (and the change fan-out's) on a pool of their own: never the engine's connections.
    const readOrm = await openReadPool(databaseUrl, config.database.readPoolSize, config.database.readStatementTimeoutMs);
    cleanups.push(() => readOrm.close(true));
    const reads = new SagaReadRepository(readOrm);
    const audit = new AuditRepository(readOrm);
    const changes = new SagaChangeListener(databaseUrl, reads, logger);
    await changes.start();
    cleanups.push(() => changes.stop());
    const bulkProgress = new BulkProgressListener(databaseUrl, logger);
    await bulkProgress.start();
    cleanups.push(() => bulkProgress.stop());
    const bulk = new BulkActionService({ repository: new BulkActionRepository(orm), reads, commands: runtime.processor, logger });
    bulk.start();
    cleanups.push(() => bulk.stop());
    const apiKeys = apiKeysFrom(config, logger);
    const pubSub = createPubSub();
    const schema = await buildGraphQLSchema({
      reads,
      audit,
      registry: runtime.registry,
      pubSub,
      commands: runtime.processor,
      changes,
      subscriberBuffer: config.graphql.subscriberBuffer,
      bulk: { service: bulk, progress: bulkProgress },
      maskingSecret: config.graphql.maskingSecret,
      paymentMethods: config.saga.paymentMethods,
      info: {
        name: 'saga-control-plane',
        version: VERSION,
        transport: config.kafka.brokers ? 'kafka' : 'in-process',
        database: embedded ? 'embedded' : 'external',
        startedAt: new Date(),
      },
    });
    mountConsole(app);
    const stopGraphQL = await mountGraphQL({
      httpServer, app, schema, logger,
      limits: {
        maxDepth: config.graphql.maxDepth, maxComplexity: config.graphql.maxComplexity, maxAliases: config.graphql.maxAliases,
        maxTokens: config.graphql.maxTokens, maxRequestBytes: config.graphql.maxRequestBytes,
        wsMaxSubscriptions: config.graphql.wsMaxSubscriptions, wsMaxConnectionsPerKey: config.graphql.wsMaxConnectionsPerKey,
      },
      introspection: config.graphql.introspection,
      maskErrors: config.graphql.maskErrors,
      authenticate: (authorization) => apiKeys.authenticate(authorization),
      contextFor: (authorization) => {
        const viewer = apiKeys.authenticate(authorization);
        return {
          requestId: randomUUID(),
          viewer: viewer === 'invalid' ? null : viewer,
          authError: viewer === 'invalid' ? 'invalid credentials' : undefined,
          eventsLoader: new DataLoader(async (ids: readonly string[]) => {
            const byId = await reads.eventsOf([...ids]);
            return ids.map((id) => byId.get(id) ?? []);
          }),
          outboxLoader: new DataLoader(async (ids: readonly string[]) => {
            const byId = await reads.outboxLocations([...ids]);
            return ids.map((id) => byId.get(id) ?? new Map());
          }),
          auditLoader: new DataLoader(async (ids: readonly string[]) => {
            const byId = await audit.ofSagas([...ids]);
            return ids.map((id) => byId.get(id) ?? []);
          }),
        };
      },
    });
    // Last, so every route's errors answer JSON (never express's HTML page with a stack).
    app.use(jsonErrorHandler(logger));
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.server.port, config.server.host, () => resolve());
    });
    cleanups.push(async () => {
      await stopGraphQL();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    });
    const port = (httpServer.address() as AddressInfo).port;
    // Registered once it serves; deregistered first on stop (cleanups run in reverse).
    cleanups.push(discovery.register(port));
    return { url: `http://${config.server.host}:${port}`, port, runtime, transport, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The configured API keys, or one generated admin key (printed once) when none are configured. */
function apiKeysFrom(config: Config, logger: Logger): ApiKeys {
  if (config.auth.tokens) return new ApiKeys(config.auth.tokens);
  const token = randomBytes(24).toString('base64url');
  logger.warn('AUTH_TOKENS is not set: generated an admin API key for this run');
  process.stdout.write(`admin API key for this run (send "Authorization: Bearer <key>"): ${token}\n`);
  return new ApiKeys(`${token}=admin:admin`);
}
