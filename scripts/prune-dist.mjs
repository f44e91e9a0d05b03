// Deletes compiled files in dist/ whose TypeScript source is gone (a moved or deleted module).
// tsc never removes them, and Node would still resolve a stale dist/src/x.js before the
// dist/src/x/index.js that replaced it.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
let removed = 0;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
      continue;
    }
    const m = /^(.*)\.js(\.map)?$/.exec(name);
    if (!m) continue;
    const source = join(root, relative(dist, dir), `${m[1]}.ts`);
    if (!existsSync(source)) {
      rmSync(path);
      removed += 1;
    }
  }
}

for (const top of ['src', 'test', 'bench', 'scripts']) if (existsSync(join(dist, top))) walk(join(dist, top));
if (removed > 0) console.log(`prune-dist: removed ${removed} compiled file(s) without a source`);
