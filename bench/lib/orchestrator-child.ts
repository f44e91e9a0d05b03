/** The orchestrator under test, as a child process (`node dist/src/main.js`) measured on its own. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Cleanup, log, RESULTS, ROOT, withTimeout } from './run-support';

export interface ChildOptions {
  runId: string;
  /** Also --cpu-prof the child. */
  cpuProf: boolean;
  /** Preload bench/lib/child-probe.ts into the child. */
  probe: boolean;
}

export interface Orchestrator {
  child: ChildProcess;
  probeFile: string | null;
  pid: number;
  url: string;
  exited: { code: number | null; signal: string | null } | null;
  tail: string[];
  warnings: number;
  errors: number;
  profileDir: string | null;
  stop(): Promise<void>;
}

export async function startOrchestrator(env: Record<string, string>, options: ChildOptions, cleanup: Cleanup): Promise<Orchestrator> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  let profileDir: string | null = null;
  // The same V8 flags as the Dockerfile's CMD: a larger young generation, so the many
  // short-lived objects of a batch die in fewer scavenges (BENCH_NODE_ARGS replaces them).
  const nodeArgs: string[] = (process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=32 --max-old-space-size=256').split(' ').filter(Boolean);
  if (options.cpuProf) {
    // Node 20 refuses --cpu-prof in NODE_OPTIONS: it goes on the command line.
    profileDir = join(RESULTS, 'prof', options.runId);
    mkdirSync(profileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  }
  let probeFile: string | null = null;
  if (options.probe) {
    probeFile = join(RESULTS, `probe-${options.runId}.json`);
    childEnv.BENCH_PROBE_OUT = probeFile;
    childEnv.NODE_OPTIONS = `${childEnv.NODE_OPTIONS ?? ''} --require=${join(ROOT, 'dist', 'bench', 'lib', 'child-probe.js')}`.trim();
  }
  // BENCH_SERVICE_DIR: another checkout's build under this harness, for before/after comparisons.
  const serviceDir = process.env.BENCH_SERVICE_DIR ?? ROOT;
  const child = spawn(process.execPath, [...nodeArgs, join(serviceDir, 'dist', 'src', 'main.js')], { cwd: serviceDir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const o: Orchestrator = {
    child, probeFile, pid: child.pid ?? -1, url: '', exited: null, tail: [], warnings: 0, errors: 0, profileDir,
    stop: async () => {
      if (o.exited) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      try {
        await withTimeout('orchestrator exit after SIGTERM', exited, 20_000);
      } catch (error) {
        log(`${(error as Error).message}; sending SIGKILL to pid ${child.pid}`);
        child.kill('SIGKILL');
        await withTimeout('orchestrator exit after SIGKILL', exited, 5_000);
      }
    },
  };
  cleanup.add('stop the orchestrator', () => o.stop(), 30_000);
  const listening = new Promise<string>((resolvePromise, reject) => {
    const onLine = (line: string, stream: 'out' | 'err') => {
      if (!line.trim()) return;
      o.tail.push(line);
      if (o.tail.length > 60) o.tail.shift();
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m && !o.url) { o.url = m[1].replace(/\/graphql$/, ''); resolvePromise(o.url); return; }
      let level = stream === 'err' ? 50 : 30;
      try { level = (JSON.parse(line) as { level?: number }).level ?? level; } catch { /* not JSON */ }
      // Start-up noise of a fresh broker (coordinator loading, ...) is kept in the tail, not counted.
      if (!o.url) return;
      if (level >= 50) { o.errors += 1; if (o.errors <= 10) process.stderr.write(`[orchestrator] ${line}\n`); }
      else if (level >= 40) { o.warnings += 1; if (o.warnings <= 5) process.stderr.write(`[orchestrator] ${line}\n`); }
    };
    const lines = (stream: NodeJS.ReadableStream, kind: 'out' | 'err') => {
      let buffered = '';
      stream.on('data', (d: Buffer) => {
        buffered += d.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop() ?? '';
        for (const p of parts) onLine(p, kind);
      });
    };
    lines(child.stdout!, 'out');
    lines(child.stderr!, 'err');
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      o.exited = { code, signal };
      reject(new Error(`the orchestrator exited (code ${code}, signal ${signal}) before listening:\n${o.tail.join('\n')}`));
    });
  });
  await withTimeout('orchestrator "listening on"', listening, 60_000);
  return o;
}

export async function orchestratorMetrics(url: string): Promise<Record<string, number>> {
  const wanted = [
    'saga_messages_consumed_total', 'saga_messages_duplicate_total', 'saga_dead_letters_total', 'saga_outbox_published_total',
    'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds', 'nodejs_heap_size_used_bytes', 'process_cpu_seconds_total',
    'nodejs_gc_duration_seconds_sum',
  ];
  const text = await withTimeout('GET /metrics', fetch(`${url}/metrics`).then((r) => r.text()), 5_000);
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (m && wanted.includes(m[1])) out[m[1]] = (out[m[1]] ?? 0) + Number(m[3]);
  }
  return out;
}

