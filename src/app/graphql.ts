import { randomBytes, randomUUID } from 'node:crypto';
import DataLoader from 'dataloader';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../config';
import { ApiKeys } from '../graphql/auth';
import type { GraphQLContext, Viewer } from '../graphql/context';
import { buildGraphQLSchema } from '../graphql/schema';
import type { Logger } from '../logger';
import type { AuditLog, SagaReads } from '../runtime/ports';
import type { ControlPlane } from './control-plane';
import type { Database } from './database';
import type { SagaRuntime } from './runtime';

const VERSION = '0.1.0';

export interface GraphQLSetup {
  schema: GraphQLSchema;
  /** The caller an Authorization value names: null without one, 'invalid' for one matching no key. */
  authenticate(authorization: unknown): Viewer | null | 'invalid';
  /** A request's context from its credentials. */
  contextFor(authorization: unknown): GraphQLContext;
}

/** The schema on the runtime's commands and the control plane's reads, and how a request is authenticated. */
export async function buildGraphQL(
  config: Config, logger: Logger, runtime: SagaRuntime, controlPlane: ControlPlane, database: Database,
): Promise<GraphQLSetup> {
  const { reads, audit, changes, bulk, bulkProgress, definitions } = controlPlane;
  const apiKeys = apiKeysFrom(config, logger);
  const schema = await buildGraphQLSchema({
    reads,
    audit,
    registry: runtime.registry,
    definitions,
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
      database: database.embedded ? 'embedded' : 'external',
      startedAt: new Date(),
    },
  });
  return {
    schema,
    authenticate: (authorization) => apiKeys.authenticate(authorization),
    contextFor: (authorization) => requestContext(apiKeys.authenticate(authorization), reads, audit),
  };
}

/** A request's context: its viewer, and per-request loaders so a page of sagas costs one query per field, not one per saga. */
function requestContext(viewer: Viewer | null | 'invalid', reads: SagaReads, audit: AuditLog): GraphQLContext {
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
}

/** The configured API keys, or one generated admin key (printed once) when none are configured. */
function apiKeysFrom(config: Config, logger: Logger): ApiKeys {
  if (config.auth.tokens) return new ApiKeys(config.auth.tokens);
  const token = randomBytes(24).toString('base64url');
  logger.warn('AUTH_TOKENS is not set: generated an admin API key for this run');
  process.stdout.write(`admin API key for this run (send "Authorization: Bearer <key>"): ${token}\n`);
  return new ApiKeys(`${token}=admin:admin`);
}
