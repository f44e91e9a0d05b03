import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import { personalDataPolicy, sagaStatuses, type SagaRegistry } from '../core';
import type { SagaProcessor } from '../runtime/processor/saga-processor';
import { authChecker } from './auth';
import { useSagaStatuses } from './types/enums';
import { applyAnalystMasking } from './masking';
import { bulkActionResolvers, type BulkDependencies } from './resolvers/bulk-action.resolver';
import { serviceInfoResolver, type ServiceInfo } from './resolvers/service-info.resolver';
import { auditResolvers } from './resolvers/audit.resolver';
import { sagaMutationResolvers } from './resolvers/saga-mutation.resolver';
import { sagaQueryResolvers } from './resolvers/saga-query.resolver';
import { sagaSubscriptionResolvers } from './resolvers/saga-subscription.resolver';
import type { AuditLog, ChangeSource, CommittedSagaChange, DefinitionCatalog, SagaReads } from '../runtime/ports';

export interface SchemaDependencies {
  info: ServiceInfo;
  reads: SagaReads;
  audit: AuditLog;
  registry: SagaRegistry;
  /** How many sagas in use started with each definition (sagaDefinitions' runningInstances). */
  definitions: Pick<DefinitionCatalog, 'usage'>;
  /** Manual actions and operator-started sagas. */
  commands: Pick<SagaProcessor, 'runManualAction' | 'startManually'>;
  /** Committed saga changes from every instance. */
  changes: ChangeSource<CommittedSagaChange>;
  /** Results held per subscriber before it counts as too slow (GRAPHQL_SUBSCRIBER_BUFFER). */
  subscriberBuffer?: number;
  /** Bulk actions on frozen selections (absent: those operations fail). */
  bulk?: BulkDependencies;
  /** Key of analysts' pseudonyms and sealed cursors (see masking.ts); unset: one per process. */
  maskingSecret?: string;
  /** Payment methods startSaga accepts (config saga.paymentMethods). */
  paymentMethods: readonly string[];
}

/** Builds the code-first schema; `npm run schema:emit` writes it to schema/schema.graphql. */
export async function buildGraphQLSchema(deps: SchemaDependencies): Promise<GraphQLSchema> {
  // The status enum is the registered sagas' statuses (type-graphql reads the enum object here).
  useSagaStatuses(sagaStatuses(deps.registry.list()));
  const resolvers = [serviceInfoResolver(deps.info), ...sagaQueryResolvers(deps), ...sagaMutationResolvers(deps), ...sagaSubscriptionResolvers(deps), ...bulkActionResolvers(deps), ...auditResolvers(deps)] as unknown as NonEmptyArray<Function>;
  const schema = await buildSchema({
    resolvers,
    validate: { forbidUnknownValues: false },
    pubSub: NO_PUB_SUB,
    authChecker,
    authMode: 'error',
  });
  // Personal in one saga type is masked in all: a feed or an audit entry mixes types.
  const policy = personalDataPolicy(deps.registry.list().flatMap((def) => def.personalFields ?? []));
  return applyAnalystMasking(schema, { policy, secret: deps.maskingSecret });
}

/**
 * type-graphql builds no Subscription type without a PubSub, although every subscription here
 * brings its own `subscribe` (the stream algorithms of streams/) and none names a topic: this one
 * is never used, and says so if a topic-based subscription is ever added.
 */
const NO_PUB_SUB: PubSub = {
  publish() {
    throw new Error('nothing publishes to type-graphql topics: subscriptions declare `subscribe` (see graphql/streams/)');
  },
  subscribe() {
    throw new Error('subscriptions declare `subscribe` (see graphql/streams/), not topics');
  },
};
