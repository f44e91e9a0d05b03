// Builds the browser console (type-check, then Vite) unless dist/console is newer than every
// file it is made from, so `npm start` with nothing changed starts in seconds.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const output = join(root, 'dist', 'console', 'index.html');
const inputs = [join(root, 'src', 'console', 'ui'), join(root, 'package-lock.json')];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

if (!process.argv.includes('--force') && existsSync(output) && statSync(output).mtimeMs >= Math.max(...inputs.map(newest))) {
  process.exit(0);
}
const bin = (name) => join(root, 'node_modules', '.bin', name);
execFileSync(bin('tsc'), ['-p', join(root, 'src', 'console', 'ui', 'tsconfig.json')], { stdio: 'inherit' });
execFileSync(bin('vite'), ['build', '--config', join(root, 'src', 'console', 'ui', 'vite.config.mts'), '--logLevel', 'warn'], { stdio: 'inherit' });
