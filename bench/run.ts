/**
 * End-to-end benchmark: N order sagas through the real Kafka broker and PostgreSQL, with the
 * orchestrator in a child process (`node dist/src/main.js`, measured alone) and the simulated
 * participants plus the load generator in this process.
 *
 *   npm run bench                         5000 sagas, open loop (batches of 200 OrderCreated)
 *   BENCH_SAGAS=50 BENCH_WARMUP=20 npm run bench         smoke run
 *   BENCH_RATE=800 npm run bench          offered load of 800 orders/s
 *   BENCH_CPU_PROF=1 npm run bench        also --cpu-prof the orchestrator and summarise it
 *   BENCH_PROBE=1 npm run bench           also time the orchestrator's batches, relay and SQL (bench/lib/child-probe.ts)
 *
 * Environment: BENCH_SAGAS (5000), BENCH_WARMUP (200), BENCH_RATE (orders/s; unset or 0 = as fast
 * as possible), BENCH_BATCH (200 orders per publish), BENCH_SEED, BENCH_TIMEOUT_MS (per phase),
 * BENCH_CPU_PROF, BENCH_PROBE, BENCH_LOG_LEVEL (orchestrator, warn), BENCH_NODE_ARGS (the orchestrator's node flags,
 * default as in the Dockerfile), BENCH_PG_ADMIN_URL, BENCH_KAFKA_PORT
 * (49092). KAFKA_BROKERS / DATABASE_URL: use these servers instead of starting a broker and
 * creating a database. Every other variable (DATABASE_POOL_SIZE, SAGA_*...) reaches the child.
 *
 * Prints a report, writes bench/results/latest.json (and appends to history.jsonl), and exits 1
 * when a correctness check fails or a phase does not finish in time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import { Client } from 'pg';
import { equals, sum } from '../src/core/money';
import { TOPICS, type OrderCreated } from '../src/messaging/contract';
import { KafkaTransport } from '../src/messaging/kafka-transport';
import { PrefixedTransport } from '../src/messaging/prefixed-transport';
import type { MessageTransport, Subscription } from '../src/runtime/ports';
import { fullyCompensated, startParticipants, type Participants } from '../src/participants';
import { buildOrder } from '../src/participants/order';
import { ORDER_MIX, planMix, type OrderKind } from './lib/mix';
import { calibrate } from './lib/calibrate';
import { intEnv } from './lib/env';
import { cpuTicks, findPids, machineTicks, snapshot, statusKb, ticksBetween, ticksPerSecond, type TickSnapshot } from './lib/procfs';
import { ms, summarize, table, type Summary } from './lib/stats';
import { loadConfig } from '../src/config';
import { formatProfile, summarizeProfile, type ProfileSummary } from './profile-summary';

const ROOT = resolve(__dirname, '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');

// ---------------------------------------------------------------------------------- options

const opts = {
  sagas: intEnv('BENCH_SAGAS', 5000, 1),
  warmup: intEnv('BENCH_WARMUP', 200, 0),
  rate: intEnv('BENCH_RATE', 0, 0),
  batch: intEnv('BENCH_BATCH', 200, 1),
  seed: intEnv('BENCH_SEED', Date.now() % 2 ** 31, 0),
  timeoutMs: intEnv('BENCH_TIMEOUT_MS', 0, 0),
  cpuProf: !!process.env.BENCH_CPU_PROF && process.env.BENCH_CPU_PROF !== '0',
  probe: !!process.env.BENCH_PROBE && process.env.BENCH_PROBE !== '0',
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
  pgAdminUrl: process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  kafkaPort: intEnv('BENCH_KAFKA_PORT', 49092, 1),
};
const phaseTimeoutMs = (n: number) => opts.timeoutMs || 60_000 + n * 20;

const runId = `${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
const log = (msg: string) => process.stderr.write(`[bench ${((performance.now()) / 1000).toFixed(1)}s] ${msg}\n`);
const now = () => performance.timeOrigin + performance.now();

function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: timed out after ${timeoutMs} ms`)), timeoutMs); }),
  ]);
}

// ---------------------------------------------------------------------------------- cleanup

/** Undo steps, run once in reverse order, each bounded in time; also on SIGINT/SIGTERM. */
class Cleanup {
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

// ---------------------------------------------------------------------------------- broker, database

function runScript(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts', 'kafka.sh'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`kafka.sh ${args.join(' ')}: timed out after ${timeoutMs} ms`)); }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`kafka.sh ${args.join(' ')} exited with ${code}`));
    });
  });
}

async function startBroker(cleanup: Cleanup): Promise<{ brokers: string; started: boolean }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS, started: false };
  const env = { ...process.env, KAFKA_PORT: String(opts.kafkaPort), KAFKA_CONTROLLER_PORT: String(opts.kafkaPort + 1) };
  log(`starting the local Kafka broker on 127.0.0.1:${opts.kafkaPort} (scripts/kafka.sh)`);
  // Registered first so that a start that half-worked is still stopped (stop is idempotent).
  cleanup.add('stop the Kafka broker', () => runScript(['stop'], env, 40_000), 45_000);
  const out = await runScript(['start'], env, 240_000);
  const line = out.trim().split('\n').pop() ?? '';
  if (!line.startsWith('KAFKA_BROKERS=')) throw new Error(`scripts/kafka.sh start printed no broker address: ${out}`);
  return { brokers: line.slice('KAFKA_BROKERS='.length), started: true };
}

/** The broker JVM serving `brokers` on this machine, for CPU sampling (undefined if remote). */
function brokerPid(brokers: string): number | undefined {
  const port = brokers.split(',')[0].split(':').pop();
  const candidates = findPids((cmd) => cmd.includes('kafka.Kafka '));
  for (const pid of candidates) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const props = readFileSync(cmd[cmd.length - 1], 'utf8');
      if (props.includes(`PLAINTEXT://127.0.0.1:${port}`) || props.includes(`:${port},`)) return pid;
    } catch {
      // not readable: try the next one
    }
  }
  return candidates.length === 1 ? candidates[0] : undefined;
}

async function withAdmin<T>(url: string, work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function createDatabase(cleanup: Cleanup): Promise<{ url: string; name: string | null }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, name: null };
  const name = `saga_bench_${randomBytes(6).toString('hex')}`;
  await withTimeout('create database', withAdmin(opts.pgAdminUrl, (c) => c.query(`create database ${name}`)), 30_000);
  cleanup.add(`drop database ${name}`, () => withAdmin(opts.pgAdminUrl, (c) => c.query(`drop database if exists ${name} with (force)`)));
  const url = new URL(opts.pgAdminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name };
}

// ---------------------------------------------------------------------------------- orchestrator child

interface Orchestrator {
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

async function startOrchestrator(env: Record<string, string>, cleanup: Cleanup): Promise<Orchestrator> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  let profileDir: string | null = null;
  // The same V8 flags as the Dockerfile's CMD: a larger young generation, so the many
  // short-lived objects of a batch die in fewer scavenges (BENCH_NODE_ARGS replaces them).
  const nodeArgs: string[] = (process.env.BENCH_NODE_ARGS ?? '--max-semi-space-size=32 --max-old-space-size=256').split(' ').filter(Boolean);
  if (opts.cpuProf) {
    // Node 20 refuses --cpu-prof in NODE_OPTIONS: it goes on the command line.
    profileDir = join(RESULTS, 'prof', runId);
    mkdirSync(profileDir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  }
  let probeFile: string | null = null;
  if (opts.probe) {
    probeFile = join(RESULTS, `probe-${runId}.json`);
    childEnv.BENCH_PROBE_OUT = probeFile;
    childEnv.NODE_OPTIONS = `${childEnv.NODE_OPTIONS ?? ''} --require=${join(ROOT, 'dist', 'bench', 'lib', 'child-probe.js')}`.trim();
  }
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist', 'src', 'main.js')], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
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

async function orchestratorMetrics(url: string): Promise<Record<string, number>> {
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

// ---------------------------------------------------------------------------------- load and observation

interface Tracked {
  kind: OrderKind;
  order: OrderCreated;
  phase: 'warmup' | 'measured';
  sentAt: number;
  outcomeAt: number | null;
  outcomeEventIds: Set<string>;
  outcomeTypes: string[];
  outcomeStatus: string | null;
}

class Observer {
  readonly tracked = new Map<string, Tracked>();
  readonly done = { warmup: 0, measured: 0 };
  unknownOutcomes = 0;
  private subscription?: Subscription;

  /** Our own reader of the saga's final events (the Order service simulator reads them too). */
  async start(transport: MessageTransport, groupId: string): Promise<void> {
    this.subscription = await transport.subscribe(
      { groupId, topics: [TOPICS.orderApproved, TOPICS.orderCancelled], fromBeginning: true },
      async (batch) => {
        const at = now();
        for (const m of batch) {
          let event: { orderId?: string; eventId?: string; eventType?: string; status?: string };
          try { event = JSON.parse(m.value?.toString('utf8') ?? 'null') ?? {}; } catch { event = {}; }
          const t = event.orderId ? this.tracked.get(event.orderId) : undefined;
          if (!t) { this.unknownOutcomes += 1; continue; }
          t.outcomeEventIds.add(event.eventId ?? '');
          t.outcomeTypes.push(event.eventType ?? '?');
          if (t.outcomeAt === null) {
            t.outcomeAt = at;
            t.outcomeStatus = event.eventType === 'OrderApproved' ? 'APPROVED' : `CANCELLED:${event.status ?? '?'}`;
            this.done[t.phase] += 1;
          }
        }
      },
    );
  }

  stop(): Promise<void> {
    return this.subscription?.stop() ?? Promise.resolve();
  }
}

/** Publishes OrderCreated for every kind: in batches as fast as acks come, or at `rate` per second. */
async function offer(transport: MessageTransport, observer: Observer, kinds: OrderKind[], phase: Tracked['phase']): Promise<{ firstAt: number; lastAt: number }> {
  let firstAt = 0;
  let lastAt = 0;
  let sent = 0;
  const publish = async (count: number) => {
    const slice = kinds.slice(sent, sent + count);
    const orders = slice.map((kind) => ({ kind, order: buildOrder(kind.input) }));
    const at = now();
    for (const { kind, order } of orders) {
      observer.tracked.set(order.orderId, {
        kind, order, phase, sentAt: at, outcomeAt: null, outcomeEventIds: new Set(), outcomeTypes: [], outcomeStatus: null,
      });
    }
    firstAt ||= at;
    sent += count;
    await withTimeout('publish OrderCreated', transport.publish(orders.map(({ order }) => ({
      topic: TOPICS.orderCreated, key: order.orderId, value: JSON.stringify(order),
    }))), 30_000);
    lastAt = now();
  };
  if (!opts.rate || phase === 'warmup') {
    while (sent < kinds.length) await publish(Math.min(opts.batch, kinds.length - sent));
    return { firstAt, lastAt };
  }
  const start = now();
  while (sent < kinds.length) {
    const due = Math.min(kinds.length, Math.floor(((now() - start) / 1000) * opts.rate));
    if (due > sent) await publish(Math.min(opts.batch, due - sent));
    else await sleep(Math.max(1, ((sent + 1) / opts.rate) * 1000 - (now() - start)));
  }
  return { firstAt, lastAt };
}

async function waitForOutcomes(observer: Observer, phase: Tracked['phase'], n: number, orchestrator: Orchestrator): Promise<boolean> {
  const timeoutMs = phaseTimeoutMs(n);
  const deadline = Date.now() + timeoutMs;
  let lastLog = Date.now();
  while (observer.done[phase] < n) {
    if (orchestrator.exited) throw new Error(`the orchestrator exited during the ${phase} phase (code ${orchestrator.exited.code}, signal ${orchestrator.exited.signal}):\n${orchestrator.tail.join('\n')}`);
    if (Date.now() > deadline) {
      log(`${phase}: timed out after ${timeoutMs} ms with ${observer.done[phase]}/${n} outcomes`);
      return false;
    }
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(`${phase}: ${observer.done[phase]}/${n} orders have their outcome`);
    }
    await sleep(20);
  }
  return true;
}

// ---------------------------------------------------------------------------------- correctness

interface Check { name: string; ok: boolean; detail: string }

interface SagaDbRow { order_id: string; status: string; created_ms: number; ended_ms: number | null }

async function checkCorrectness(db: Client, observer: Observer, participants: Participants): Promise<{ checks: Check[]; rows: Map<string, SagaDbRow> }> {
  const checks: Check[] = [];
  const add = (name: string, bad: string[], total: number) => {
    checks.push({ name, ok: bad.length === 0, detail: bad.length === 0 ? `${total} ok` : `${bad.length} of ${total}: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '; ...' : ''}` });
  };
  const all = [...observer.tracked.values()];
  const ids = all.map((t) => t.order.orderId);

  add('every order got exactly one outcome event (client)', all.filter((t) => t.outcomeAt === null || t.outcomeEventIds.size !== 1)
    .map((t) => `${t.order.orderId} (${t.kind.name}): ${t.outcomeEventIds.size} outcome(s) ${t.outcomeTypes.join(',')}`), all.length);
  add('outcome is the one the scenario implies', all.filter((t) => t.outcomeAt !== null && t.outcomeStatus !== expectedOutcome(t.kind))
    .map((t) => `${t.order.orderId} (${t.kind.name}): got ${t.outcomeStatus}, expected ${expectedOutcome(t.kind)}`), all.length);

  const { rows } = await db.query<SagaDbRow>(
    `select order_id::text, status, (extract(epoch from created_at) * 1000)::float8 as created_ms,
            (extract(epoch from ended_at) * 1000)::float8 as ended_ms
     from saga_instance where order_id = any($1::uuid[])`, [ids]);
  const byOrder = new Map(rows.map((r) => [r.order_id, r]));
  add('every saga ended with the expected status (saga_instance)', all.filter((t) => {
    const r = byOrder.get(t.order.orderId);
    return !r || r.ended_ms === null || r.status !== t.kind.sagaStatus;
  }).map((t) => {
    const r = byOrder.get(t.order.orderId);
    return `${t.order.orderId} (${t.kind.name}): ${r ? `${r.status}${r.ended_ms === null ? ' not ended' : ''}` : 'no saga'}, expected ${t.kind.sagaStatus}`;
  }), all.length);
  add('one saga per order', rows.length !== all.length ? [`${rows.length} saga rows for ${all.length} orders`] : [], all.length);

  const problems = participants.ledger.problems();
  add('ledger problems', problems.map((p) => `${p.orderId}: ${p.problems.join(', ')}`), participants.ledger.orderIds().length);

  const effects: string[] = [];
  const compensation: string[] = [];
  for (const t of all) {
    const v = participants.ledger.order(t.order.orderId);
    const id = `${t.order.orderId} (${t.kind.name})`;
    if (!v) { effects.push(`${id}: unknown to the ledger`); continue; }
    const parts = t.order.payments?.length ?? 1;
    const methods = v.charges.map((c) => c.paymentMethod);
    if (v.outcomes !== 1) effects.push(`${id}: Order service saw ${v.outcomes} outcomes`);
    if (v.reservations.length > 1) effects.push(`${id}: ${v.reservations.length} reservations`);
    if (v.releases.length > v.reservations.length) effects.push(`${id}: ${v.releases.length} releases of ${v.reservations.length} reservations`);
    if (v.confirmations.length > 1) effects.push(`${id}: ${v.confirmations.length} confirmations`);
    if (v.coupons.length > 1) effects.push(`${id}: ${v.coupons.length} coupon uses`);
    if (v.couponCancellations.length > v.coupons.length) effects.push(`${id}: ${v.couponCancellations.length} coupon cancellations`);
    if (new Set(methods).size !== methods.length || methods.length > parts) effects.push(`${id}: charges ${methods.join(',')} for ${parts} part(s)`);
    if (new Set(v.refunds.map((r) => r.paymentId)).size !== v.refunds.length || v.refunds.length > v.charges.length) effects.push(`${id}: ${v.refunds.length} refunds of ${v.charges.length} charges`);
    if (v.outcome?.result === 'APPROVED') {
      if (v.refunds.length > 0 || v.releases.length > 0 || v.couponCancellations.length > 0) effects.push(`${id}: approved but compensated`);
      if (v.confirmations.length !== 1 || v.charges.length !== parts) effects.push(`${id}: approved with ${v.confirmations.length} confirmations, ${v.charges.length}/${parts} charges`);
      if (!equals(v.netCharged, v.outcome.finalAmount)) effects.push(`${id}: charged ${v.netCharged}, approved ${v.outcome.finalAmount}`);
      const expected = t.kind.input.couponCode ? null : t.order.totalAmount;
      if (expected && !equals(sum(v.charges.map((c) => c.amount)), expected)) effects.push(`${id}: charged ${v.netCharged} of ${expected}`);
    } else if (v.outcome?.result === 'CANCELLED') {
      if (!fullyCompensated(v)) compensation.push(`${id}: net charged ${v.netCharged}, open reservations ${v.openReservations.length}, active coupons ${v.activeCoupons.length}`);
    }
  }
  add('no duplicate or missing effects (ledger)', effects, all.length);
  const cancelled = all.filter((t) => t.kind.outcome.result === 'CANCELLED').length;
  add('every cancelled order fully compensated', compensation, cancelled);

  // The last outcome can be followed by nothing: give the relay a moment, then nothing is pending.
  let pending = -1;
  for (let i = 0; i < 25 && pending !== 0; i++) {
    if (i > 0) await sleep(200);
    pending = Number((await db.query<{ n: string }>('select count(*) as n from outbox_message where published_at is null')).rows[0].n);
  }
  add('outbox fully published', pending > 0 ? [`${pending} outbox rows unpublished`] : [], 1);
  const dlq = (await db.query<{ topic: string; n: string }>(`select topic, count(*) as n from outbox_message where topic like '%.dlq' group by topic`)).rows;
  add('no dead letters', dlq.map((r) => `${r.n} on ${r.topic}`), 1);
  add('no outcome for an order the bench did not place', observer.unknownOutcomes > 0 ? [`${observer.unknownOutcomes} unknown outcome events`] : [], 1);
  return { checks, rows: byOrder };
}

function expectedOutcome(kind: OrderKind): string {
  return kind.outcome.result === 'APPROVED' ? 'APPROVED' : `CANCELLED:${kind.outcome.status}`;
}

// ---------------------------------------------------------------------------------- main

interface CpuSample { at: number; child: number | undefined; broker: number | undefined; pg: TickSnapshot; bench: NodeJS.CpuUsage; machine: { busy: number; total: number } }

function sampleCpu(childPid: number, broker: number | undefined): CpuSample {
  return {
    at: now(),
    child: cpuTicks(childPid),
    broker: broker === undefined ? undefined : cpuTicks(broker),
    pg: snapshot(findPids((_cmd, comm) => comm === 'postgres')),
    bench: process.cpuUsage(),
    machine: machineTicks(),
  };
}

function cpuSplit(a: CpuSample, b: CpuSample) {
  const seconds = (b.at - a.at) / 1000;
  const tps = ticksPerSecond();
  const pct = (ticks: number) => (100 * ticks) / tps / seconds;
  const orchestrator = pct((b.child ?? 0) - (a.child ?? 0));
  const broker = a.broker === undefined || b.broker === undefined ? NaN : pct(b.broker - a.broker);
  const postgres = pct(ticksBetween(a.pg, b.pg));
  const bench = (100 * ((b.bench.user - a.bench.user) + (b.bench.system - a.bench.system))) / 1e6 / seconds;
  const machine = (100 * cpus().length * (b.machine.busy - a.machine.busy)) / Math.max(1, b.machine.total - a.machine.total);
  const known = orchestrator + (Number.isFinite(broker) ? broker : 0) + postgres + bench;
  return {
    seconds,
    cores: cpus().length,
    /** Percent of one core, averaged over the window. */
    orchestrator, broker, postgres, bench, other: Math.max(0, machine - known), machine,
  };
}

async function main(): Promise<number> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (signal: string) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping what the benchmark started`);
    cleanup.run().finally(() => process.exit(130));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const prefix = `bench-${runId}.`;
  const result: Record<string, unknown> = { runId, startedAt: new Date().toISOString(), params: { ...opts, prefix } };
  let ok = false;
  try {
    if (!existsSync(join(ROOT, 'dist', 'src', 'main.js'))) throw new Error('dist/src/main.js is missing: run `npm run build` (npm run bench does)');
    const kafka = await startBroker(cleanup);
    const database = await createDatabase(cleanup);
    log('calibrating: PostgreSQL one-row commits/s with 16 clients (pgbench), page-fault cost');
    const calibration = calibrate(database.url);
    result.environment = {
      kafkaBrokers: kafka.brokers, brokerStartedByBench: kafka.started, database: database.name ?? '(DATABASE_URL)', cores: cpus().length,
      node: process.version, calibration,
    };
    log(`broker ${kafka.brokers}, database ${database.name ?? '(DATABASE_URL)'}, topic prefix ${prefix}`);

    const orchestrator = await startOrchestrator({
      SERVER_PORT: '0', SERVER_HOST: '127.0.0.1', DATABASE_URL: database.url, KAFKA_BROKERS: kafka.brokers,
      KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: `${prefix}orchestrator`, LOG_LEVEL: opts.logLevel, SIMULATORS: 'false',
    }, cleanup);
    log(`orchestrator pid ${orchestrator.pid} listening on ${orchestrator.url}`);

    let rssMaxKb = 0;
    const rssTimer = setInterval(() => { rssMaxKb = Math.max(rssMaxKb, statusKb(orchestrator.pid, 'VmRSS') ?? 0); }, 200);
    cleanup.add('stop RSS sampling', async () => clearInterval(rssTimer));

    // The simulators and the observer fetch as the orchestrator does: the same variables, read by the same config.
    const { fetchMinBytes, fetchMaxWaitMs } = loadConfig(process.env, []).kafka;
    const fetchTuning = { fetchMinBytes, fetchMaxWaitMs };
    // kafkajs reports every transient broker error (fresh topics: "not the leader") at error level.
    const quiet = pino({ level: process.env.BENCH_CLIENT_LOG_LEVEL ?? 'fatal' }, pino.destination(2));
    const simTransport = new PrefixedTransport(new KafkaTransport({ brokers: kafka.brokers.split(','), clientId: 'bench-sim', logger: quiet, ...fetchTuning }), prefix);
    cleanup.add('close the simulators transport', () => simTransport.close());
    const participants = await startParticipants(simTransport, { groupIdPrefix: `${prefix}sim`, logger: pino({ level: 'warn' }, pino.destination(2)) });
    cleanup.add('stop the simulators', () => participants.stop());
    const clientTransport = new PrefixedTransport(new KafkaTransport({ brokers: kafka.brokers.split(','), clientId: 'bench-client', logger: quiet, ...fetchTuning }), prefix);
    cleanup.add('close the load generator transport', () => clientTransport.close());
    const observer = new Observer();
    await observer.start(clientTransport, `${prefix}observer`);
    cleanup.add('stop the outcome observer', () => observer.stop());

    const failures: string[] = [];
    if (opts.warmup > 0) {
      log(`warm-up: ${opts.warmup} sagas`);
      await offer(clientTransport, observer, planMix(opts.warmup, opts.seed + 1), 'warmup');
      if (!(await waitForOutcomes(observer, 'warmup', opts.warmup, orchestrator))) failures.push(`warm-up: ${opts.warmup - observer.done.warmup} of ${opts.warmup} orders got no outcome`);
    }

    let measured: { firstAt: number; lastAt: number } | undefined;
    let cpu: ReturnType<typeof cpuSplit> | undefined;
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    if (failures.length === 0) {
      const brokerProcess = brokerPid(kafka.brokers);
      log(`measured: ${opts.sagas} sagas, ${opts.rate ? `${opts.rate} orders/s` : `open loop, batches of ${opts.batch}`}`);
      const before = sampleCpu(orchestrator.pid, brokerProcess);
      loopDelay.enable();
      measured = await offer(clientTransport, observer, planMix(opts.sagas, opts.seed), 'measured');
      if (!(await waitForOutcomes(observer, 'measured', opts.sagas, orchestrator))) failures.push(`measured: ${opts.sagas - observer.done.measured} of ${opts.sagas} orders got no outcome`);
      loopDelay.disable();
      cpu = cpuSplit(before, sampleCpu(orchestrator.pid, brokerProcess));
    }
    await sleep(500); // late duplicates, if any, would show up now

    const peakRssKb = statusKb(orchestrator.pid, 'VmHWM') ?? NaN;
    rssMaxKb = Math.max(rssMaxKb, statusKb(orchestrator.pid, 'VmRSS') ?? 0);
    const metrics = await orchestratorMetrics(orchestrator.url).catch((e: Error) => ({ error: e.message }));

    const db = new Client({ connectionString: database.url });
    await db.connect();
    cleanup.add('close the database client', () => db.end());
    const { checks, rows } = await checkCorrectness(db, observer, participants);
    for (const f of failures) checks.unshift({ name: 'all outcomes within the time limit', ok: false, detail: f });

    // --- numbers over the measured sagas
    const done = [...observer.tracked.values()].filter((t) => t.phase === 'measured' && t.outcomeAt !== null);
    const clientLatency = done.map((t) => t.outcomeAt! - t.sentAt);
    const dbLatency = done.map((t) => rows.get(t.order.orderId)).filter((r): r is SagaDbRow => !!r && r.ended_ms !== null).map((r) => r.ended_ms! - r.created_ms);
    const lastAt = done.reduce((m, t) => Math.max(m, t.outcomeAt!), 0);
    const wallMs = measured ? lastAt - measured.firstAt : NaN;
    const throughput = (done.length / wallMs) * 1000;
    const offeredRate = measured ? (opts.sagas / Math.max(1, measured.lastAt - measured.firstAt)) * 1000 : NaN;
    const groupBy = (key: (t: Tracked) => string) => {
      const groups = new Map<string, number[]>();
      for (const t of done) {
        const k = key(t);
        const list = groups.get(k);
        if (list) list.push(t.outcomeAt! - t.sentAt);
        else groups.set(k, [t.outcomeAt! - t.sentAt]);
      }
      return [...groups.entries()].sort((a, b) => b[1].length - a[1].length).map(([name, v]) => ({ name, ...summarize(v) }));
    };
    const byStatus = groupBy((t) => rows.get(t.order.orderId)?.status ?? 'NO_SAGA');
    const byKind = groupBy((t) => t.kind.name);

    Object.assign(result, {
      ok: checks.every((c) => c.ok),
      throughput: { completedSagas: done.length, wallMs, sagasPerSecond: throughput, offeredOrdersPerSecond: offeredRate },
      latencyMs: { client: summarize(clientLatency), database: summarize(dbLatency) },
      byStatus, byKind,
      orchestrator: {
        pid: orchestrator.pid, peakRssMb: peakRssKb / 1024, maxSampledRssMb: rssMaxKb / 1024,
        logWarnings: orchestrator.warnings, logErrors: orchestrator.errors, metrics,
      },
      cpuPercentOfOneCore: cpu,
      benchEventLoopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
      simulators: participants.ledger.totals(),
      checks,
    });
    ok = result.ok as boolean;
    if (!ok) log(`orchestrator output (last lines):\n${orchestrator.tail.slice(-15).join('\n')}`);

    // Stop the child before the rest so --cpu-prof writes its profile.
    await observer.stop();
    await participants.stop();
    await orchestrator.stop();
    if (orchestrator.profileDir) {
      const files = readdirSync(orchestrator.profileDir).filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(orchestrator.profileDir!, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
      if (files[0]) {
        const profile: ProfileSummary = summarizeProfile(files[0], 25);
        result.cpuProfile = profile;
      } else {
        log(`no .cpuprofile written in ${orchestrator.profileDir}`);
      }
    }
    if (orchestrator.probeFile && existsSync(orchestrator.probeFile)) result.probe = JSON.parse(readFileSync(orchestrator.probeFile, 'utf8'));
    report(result);
  } catch (error) {
    result.ok = false;
    result.error = (error as Error).message;
    process.stderr.write(`\nbench failed: ${(error as Error).stack ?? String(error)}\n`);
  } finally {
    mkdirSync(RESULTS, { recursive: true });
    result.finishedAt = new Date().toISOString();
    writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    const { cpuProfile: _omit, ...brief } = result;
    appendFileSync(join(RESULTS, 'history.jsonl'), `${JSON.stringify(brief)}\n`);
    log('cleaning up');
    await cleanup.run();
    log(`result written to ${join(RESULTS, 'latest.json')}`);
  }
  return ok ? 0 : 1;
}

function report(r: Record<string, any>): void {
  const out: string[] = [];
  const t = r.throughput;
  const c = r.latencyMs.client as Summary;
  const d = r.latencyMs.database as Summary;
  out.push('', `saga benchmark ${r.runId}: ${r.params.sagas} sagas (+${r.params.warmup} warm-up), ${r.params.rate ? `offered ${r.params.rate}/s` : `open loop, batches of ${r.params.batch}`}, seed ${r.params.seed}`);
  out.push(`mix: ${ORDER_MIX.map((k) => `${k.weight}% ${k.name}`).join(', ')}`, '');
  out.push(table(['metric', 'value'], [
    ['completed sagas/s (end to end)', t.sagasPerSecond.toFixed(0)],
    ['offered orders/s (publish rate)', t.offeredOrdersPerSecond.toFixed(0)],
    ['wall time first OrderCreated -> last outcome', `${(t.wallMs / 1000).toFixed(2)} s`],
    ['latency p50 / p95 / p99 (client, ms)', `${ms(c.p50)} / ${ms(c.p95)} / ${ms(c.p99)}  (max ${ms(c.max)})`],
    ['latency p50 / p95 / p99 (saga ended_at - created_at, ms)', `${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.p99)}  (max ${ms(d.max)})`],
    ['orchestrator peak RSS (VmHWM)', `${r.orchestrator.peakRssMb.toFixed(1)} MB`],
    ['orchestrator log warnings / errors', `${r.orchestrator.logWarnings} / ${r.orchestrator.logErrors}`],
    ['bench process event-loop delay p99', `${ms(r.benchEventLoopDelayMs.p99)} ms`],
    ['machine: PostgreSQL one-row commits/s, 16 clients', r.environment.calibration.pgCommitsPerSecond?.toFixed(0) ?? 'n/a (no pgbench)'],
    ['machine: page fault cost', `${r.environment.calibration.pageFaultUs.toFixed(1)} µs`],
  ]));
  const cpu = r.cpuPercentOfOneCore;
  if (cpu) {
    const p = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)}%` : 'n/a');
    out.push('', `CPU during the measured phase (${cpu.seconds.toFixed(1)} s, % of one core, ${cpu.cores} cores = ${cpu.cores * 100}%):`);
    // CPU milliseconds per completed saga: comparable between runs even when the machine is shared.
    const per = (v: number) => (Number.isFinite(v) && t.completedSagas > 0 ? ((v / 100) * cpu.seconds * 1000 / t.completedSagas).toFixed(2) : 'n/a');
    out.push(table(['process', 'cpu', 'cpu ms/saga'], [
      ['orchestrator (child node)', p(cpu.orchestrator), per(cpu.orchestrator)], ['Kafka broker (JVM)', p(cpu.broker), per(cpu.broker)],
      ['PostgreSQL (all backends)', p(cpu.postgres), per(cpu.postgres)], ['bench: simulators + load + observer', p(cpu.bench), per(cpu.bench)],
      ['other processes on the machine', p(cpu.other), ''], ['machine total', p(cpu.machine), ''],
    ]));
  }
  const rowsOf = (groups: (Summary & { name: string })[]) => groups.map((g) => [g.name, g.count, ms(g.p50), ms(g.p95), ms(g.p99), ms(g.max)]);
  out.push('', table(['final status', 'sagas', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rowsOf(r.byStatus)));
  out.push('', table(['order kind', 'sagas', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rowsOf(r.byKind)));
  out.push('', table(['check', 'result', 'detail'], (r.checks as Check[]).map((ch) => [ch.name, ch.ok ? 'ok' : 'FAIL', ch.detail])));
  if (r.probe) {
    out.push('', `orchestrator wall time by operation (BENCH_PROBE, whole child lifetime ${(r.probe.uptimeMs / 1000).toFixed(1)} s):`);
    out.push(table(['operation', 'calls', 'avg items', 'max items', 'total s', 'avg ms', 'p50 ms', 'p99 ms', 'max ms', 'max conc'],
      (r.probe.series as any[]).slice(0, 22).map((x) => [x.name, x.calls, x.avgItems.toFixed(1), x.maxItems, (x.totalMs / 1000).toFixed(2), ms(x.avgMs), ms(x.p50Ms), ms(x.p99Ms), ms(x.maxMs), x.maxInFlight])));
  }
  if (r.cpuProfile) out.push('', formatProfile(r.cpuProfile));
  out.push('', r.ok ? 'ALL CHECKS PASSED' : 'CHECKS FAILED', '');
  process.stdout.write(out.join('\n'));
}

main().then(
  (code) => process.exit(code),
  (error) => { process.stderr.write(`bench crashed: ${(error as Error).stack}\n`); process.exit(1); },
);

