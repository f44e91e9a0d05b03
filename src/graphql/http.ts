import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger';
import type { GraphQLContext } from './context';

export interface GraphQLHttpOptions {
  httpServer: Server;
  app: express.Express;
  schema: GraphQLSchema;
  logger: Logger;
  path?: string;
}

/**
 * Mounts Apollo Server (queries, mutations) and graphql-ws (subscriptions) on the same path of
 * one HTTP server. Returns a stop function that closes sockets and drains in-flight requests.
 */
export async function mountGraphQL(options: GraphQLHttpOptions): Promise<() => Promise<void>> {
  const path = options.path ?? '/graphql';
  const wsServer = new WebSocketServer({ server: options.httpServer, path });
  const wsCleanup = useServer<Record<string, unknown>, { requestId: string }>(
    {
      schema: options.schema,
      context: (): GraphQLContext => ({ requestId: randomUUID() }),
    },
    wsServer,
  );
  const apollo = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    csrfPrevention: true,
    // main.ts owns signal handling and stops everything in order, Apollo included.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }),
      { async serverWillStart() { return { async drainServer() { await wsCleanup.dispose(); } }; } },
    ],
    logger: {
      debug: (m) => options.logger.debug(m),
      info: (m) => options.logger.info(m),
      warn: (m) => options.logger.warn(m),
      error: (m) => options.logger.error(m),
    },
  });
  await apollo.start();
  options.app.use(path, express.json({ limit: '1mb' }), expressMiddleware(apollo, {
    context: async (): Promise<GraphQLContext> => ({ requestId: randomUUID() }),
  }));
  return async () => {
    await apollo.stop();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  };
}
