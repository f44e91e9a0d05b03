import type { Config } from '../config';
import { createDiscovery } from '../discovery';
import type { Logger } from '../logger';
import { placeDemoOrders, startParticipants } from '../participants';
import { PostgresDefinitionCatalog } from '../persistence/definition-catalog';
import type { MessageTransport } from '../runtime/ports';
import { Cleanups } from './cleanups';
import { startControlPlane } from './control-plane';
import { openConfiguredDatabase } from './database';
import { checkRegisteredDefinitions } from './definitions';
import { buildGraphQL } from './graphql';
import { serveHttp } from './http';
import { createSagaRuntime, type SagaRuntime } from './runtime';
import { startConfiguredTracing } from './tracing';
import { createTransport } from './transport';
import type { AnySagaModule } from '../runtime/ports';
import { SAGA_MODULES } from '../sagas';

export interface RunningService {
  url: string;
  port: number;
  runtime: SagaRuntime;
  transport: MessageTransport;
  stop(): Promise<void>;
}

/**
 * The composition root: builds the adapters the configuration asks for (tracing, an external or
 * embedded database, Kafka or the in-process bus, discovery), hands them to the saga runtime and
 * the GraphQL control plane, and serves HTTP. `stop` undoes it in reverse order. `sagaModules`:
 * the sagas it runs (src/sagas/index.ts; a test build adds its own).
 */
export async function startService(config: Config, logger: Logger, sagaModules: readonly AnySagaModule[] = SAGA_MODULES): Promise<RunningService> {
  const cleanups = new Cleanups(logger);
  const stop = () => cleanups.runAll();
  try {
    const tracing = startConfiguredTracing(config, logger);
    // Registered first, so it runs last: the spans of the shutdown itself are exported too.
    if (tracing) cleanups.add('tracing', () => tracing.shutdown());
    const database = await openConfiguredDatabase(config, logger, cleanups);

    const discovery = createDiscovery(config, logger);
    cleanups.add('discovery', () => discovery.stop());
    const transports = createTransport(config, logger, discovery.services, sagaModules);
    const { transport } = transports;
    cleanups.add('transport', () => transport.close());

    const runtime = createSagaRuntime(config, database, transport, logger, sagaModules);
    // Before consuming: sagas in use must find the definition they started with.
    await checkRegisteredDefinitions(runtime.registry, runtime.fingerprints, new PostgresDefinitionCatalog(database.orm), logger);
    await runtime.orchestrator.start();
    cleanups.add('orchestrator', () => runtime.orchestrator.stop());

    const simulate = config.simulators.enabled === 'true' || (config.simulators.enabled === 'auto' && !config.kafka.brokers);
    if (simulate) {
      const participants = await startParticipants(transport, { logger });
      cleanups.add('simulated participants', () => participants.stop());
      await placeDemoOrders(participants, config.simulators.demoOrders, logger);
    }

    const controlPlane = await startControlPlane(config, database, runtime.processor, logger, cleanups);
    const graphql = await buildGraphQL(config, logger, runtime, controlPlane, database);
    const port = await serveHttp(config, logger, { database, transports, runtime, controlPlane, graphql }, cleanups);
    // Registered once it serves; deregistered first on stop (cleanups run in reverse).
    cleanups.add('discovery registration', discovery.register(port));
    return { url: `http://${config.server.host}:${port}`, port, runtime, transport, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
