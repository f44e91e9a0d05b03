import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchemaWithDirectives } from './schema-sdl';

/** Writes the code-first schema to schema/schema.graphql (`npm run schema:emit`). */
async function main(): Promise<void> {
  const target = join(__dirname, '..', '..', 'schema', 'schema.graphql');
  writeFileSync(target, await printSchemaWithDirectives());
  process.stdout.write(`wrote ${target}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
