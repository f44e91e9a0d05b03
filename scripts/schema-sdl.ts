import { printSchema } from 'graphql';
import { buildGraphQLSchema } from '../src/graphql/schema';

/** The SDL of the schema the service serves; the drift test compares it with the committed file. */
export async function printSchemaWithDirectives(): Promise<string> {
  const schema = await buildGraphQLSchema({
    info: { name: 'saga-control-plane', version: '0', transport: 'in-process', database: 'embedded', startedAt: new Date(0) },
  });
  return `# Emitted from the code by \`npm run schema:emit\`; do not edit by hand.\n\n${printSchema(schema)}\n`;
}
