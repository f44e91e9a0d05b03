/** Logging, clocks, time limits and ordered clean-up shared by the benchmark's parts. */
import { performance } from 'node:perf_hooks';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const RESULTS = join(ROOT, 'bench', 'results');

export const log = (msg: string): void => { process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1)}s] ${msg}\n`); };
/** Wall-clock milliseconds with sub-millisecond resolution (comparable with Kafka timestamps). */
export const now = (): number => performance.timeOrigin + performance.now();

export function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${timeoutMs} ms`)), timeoutMs); }),
  ]);
}

/** Undo steps, run once in reverse order, each bounded in time; also on SIGINT/SIGTERM. */
export class Cleanup {
  private readonly steps: { label: string; fn: () => Promise<unknown>; timeoutMs: number }[] = [];
  private running?: Promise<void>;

  add(label: string, fn: () => Promise<unknown>, timeoutMs = 30_000): void {
    this.steps.push({ label, fn, timeoutMs });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await withTimeout(step.label, step.fn(), step.timeoutMs);
        } catch (error) {
          log(`cleanup '${step.label}' failed: ${(error as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}
