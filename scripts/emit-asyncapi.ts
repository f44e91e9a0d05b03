import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAsyncApiYaml } from './asyncapi';

/** Writes the wire contract's AsyncAPI document to schema/asyncapi.yaml (`npm run asyncapi:emit`). */
function main(): void {
  const target = join(__dirname, '..', '..', 'schema', 'asyncapi.yaml');
  writeFileSync(target, renderAsyncApiYaml());
  process.stdout.write(`wrote ${target}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
}
