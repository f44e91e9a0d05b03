import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchemaWithDirectives } from '../../../scripts/schema-sdl';

describe('schema/schema.graphql', () => {
  it('matches the schema the code builds (run `npm run schema:emit && npm run codegen` after changing it)', async () => {
    const committed = readFileSync(join(__dirname, '..', '..', '..', 'schema', 'schema.graphql'), 'utf8');
    expect(await printSchemaWithDirectives()).toBe(committed);
  });
});
