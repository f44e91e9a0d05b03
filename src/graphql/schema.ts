import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchema } from 'type-graphql';
import { serviceInfoResolver, type ServiceInfo } from './resolvers/service-info.resolver';

export interface SchemaDependencies {
  info: ServiceInfo;
  /** In-process pub/sub that subscriptions read from; fed by the change fan-out. */
  pubSub?: ReturnType<typeof createPubSub>;
}

/** Builds the code-first schema; `npm run schema:emit` writes it to schema/schema.graphql. */
export async function buildGraphQLSchema(deps: SchemaDependencies): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [serviceInfoResolver(deps.info)],
    validate: true,
    pubSub: deps.pubSub ?? createPubSub(),
  });
}
