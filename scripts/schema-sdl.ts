import { printSchema } from 'graphql';
import { buildGraphQLSchema, type SchemaDependencies } from '../src/graphql/schema';
import { createSagaRegistry } from '../src/sagas';
import type { SagaReads } from '../src/runtime/ports';

/** The SDL of the schema the service serves; the drift test compares it with the committed file. */
export async function printSchemaWithDirectives(): Promise<string> {
  // Resolvers never run here: only the types matter, so the dependencies are placeholders.
  const schema = await buildGraphQLSchema({
    info: { name: 'saga-control-plane', version: '0', transport: 'in-process', database: 'embedded', startedAt: new Date(0) },
    reads: {} as SagaReads,
    audit: {} as SchemaDependencies['audit'],
    registry: createSagaRegistry(),
    definitions: { usage: async () => [] },
    commands: {} as SchemaDependencies['commands'],
    changes: { subscribe: () => () => undefined },
    paymentMethods: [],
  });
  return `# Emitted from the code by \`npm run schema:emit\`; do not edit by hand.\n\n${printSchema(schema)}\n`;
}
