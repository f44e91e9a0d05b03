import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Stops only what global-setup.mjs started. */
export default async function globalTeardown() {
  const started = globalThis.__sagaTestServices ?? {};
  if (started.postgres) {
    await started.postgres.pg.stop();
    started.postgres.rm();
  }
  if (started.kafka) {
    execFileSync('bash', [join(root, 'scripts', 'kafka.sh'), 'stop'], { env: started.kafka, stdio: 'inherit' });
  }
}
