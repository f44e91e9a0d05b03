import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Config } from './config';
import { mountGraphQL } from './graphql/http';
import { buildGraphQLSchema } from './graphql/schema';
import type { Logger } from './logger';
import { InProcessTransport } from './messaging/in-process-transport';
import { KafkaTransport } from './messaging/kafka-transport';
import { PrefixedTransport } from './messaging/prefixed-transport';
import type { MessageTransport } from './messaging/transport';
import { isDatabaseHealthy, openDatabase } from './persistence/database';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './persistence/embedded-postgres';
import { placeDemoOrders, startParticipants } from './participants';
import { createSagaRuntime, type SagaRuntime } from './runtime';

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
      ? new KafkaTransport({ brokers: config.kafka.brokers.split(','), clientId: config.kafka.clientId, logger })
      : new InProcessTransport();
    const transport = config.kafka.topicPrefix ? new PrefixedTransport(broker, config.kafka.topicPrefix) : broker;
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
      res.status(database && broker ? 200 : 503).json({ status: database && broker ? 'ready' : 'not ready', database, broker });
    });
    app.get('/metrics', async (_req, res) => {
      res.type(runtime.metrics.registry.contentType).send(await runtime.metrics.registry.metrics());
    });
    const httpServer = createServer(app);
    const schema = await buildGraphQLSchema({
      info: {
        name: 'saga-control-plane',
        version: VERSION,
        transport: config.kafka.brokers ? 'kafka' : 'in-process',
        database: embedded ? 'embedded' : 'external',
        startedAt: new Date(),
      },
    });
    const stopGraphQL = await mountGraphQL({ httpServer, app, schema, logger });
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.server.port, config.server.host, () => resolve());
    });
    cleanups.push(async () => {
      await stopGraphQL();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    });
    const port = (httpServer.address() as AddressInfo).port;
    return { url: `http://${config.server.host}:${port}`, port, runtime, transport, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
