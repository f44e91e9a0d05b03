/**
 * End-to-end benchmark: order sagas through the real Kafka broker and PostgreSQL, with the
 * orchestrator in a child process (`node dist/src/main.js`, measured alone) and the simulated
 * participants plus the load generator in this process. One stack serves every phase:
 *
 *   1. idle: everything running, no orders (BENCH_IDLE_SECONDS, 60), CPU of each process;
 *   2. a latency curve: orders offered open loop at fixed rates (BENCH_RATES, default
 *      25,50,100,200,open), each rate for BENCH_PHASE_SECONDS (20); `open` offers BENCH_SAGAS
 *      (5000) as fast as the broker acknowledges batches of BENCH_BATCH (200);
 *   3. correctness checks over every order, and where each millisecond went (bench/lib/hops.ts).
 *
 *   npm run bench                                          the whole curve, then bench/search.ts
 *   BENCH_RATES=100 BENCH_IDLE_SECONDS=0 node dist/bench/run.js     one rate, no idle phase
 *   BENCH_RATES=open BENCH_SAGAS=50 BENCH_WARMUP=20 node dist/bench/run.js   smoke run
 *   BENCH_CPU_PROF=1 ...   also --cpu-prof the orchestrator and summarise it
 *   BENCH_PROBE=1 ...      also time the orchestrator's batches, relay and SQL (bench/lib/child-probe.ts)
 *
 * The warm-up offers BENCH_WARMUP (3000) sagas at BENCH_WARMUP_RATE (100/s; 0 = all at once) before
 * anything is measured: the broker is a fresh JVM, and until its JIT has compiled the request
 * path a fetch or produce costs it three times as much (README, Benchmarks).
 *
 * Other variables: BENCH_SEED, BENCH_TIMEOUT_MS (per phase), BENCH_LOG_LEVEL
 * (orchestrator, warn), BENCH_NODE_ARGS (the orchestrator's node flags, default as in the
 * Dockerfile), BENCH_PG_ADMIN_URL (a PostgreSQL server to create the run's database on; unset: a
 * private embedded server on BENCH_PG_PORT, 49432, for this run), BENCH_KAFKA_PORT (49092), BENCH_SERVICE_DIR (the orchestrator
 * of another built checkout, a worktree of an earlier commit, say: before/after runs under one
 * harness). BENCH_RATE=N is BENCH_RATES=N
 * (0 = open). BENCH_INSTANCES (1): orchestrator processes sharing the consumer group and the
 * database (CPU and RSS are their sums). KAFKA_BROKERS / DATABASE_URL: use these servers instead of starting a broker and
 * creating a database. Every other variable (DATABASE_POOL_SIZE, SAGA_*...) reaches the child.
 *
 * Prints a report, writes bench/results/latest.json (and appends to history.jsonl), and exits 1
 * when a correctness check fails or a phase does not finish in time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { KafkaTransport } from '../src/messaging/kafka-transport';
import { PrefixedTransport } from '../src/messaging/prefixed-transport';
import { startParticipants } from '../src/participants';
import { calibrate } from './lib/calibrate';
import { checkCorrectness, type SagaDbRow } from './lib/correctness';
import { cpuSplit, postgresProcessesOf, sampleCpu } from './lib/cpu';
import { intEnv } from './lib/env';
import { consumedAtOf, hopBreakdown, readBack, ReceiptLog } from './lib/hops';
import { Observer, offer, waitForOutcomes } from './lib/load';
import { planMix } from './lib/mix';
import { orchestratorMetrics, startOrchestrator, type Orchestrator } from './lib/orchestrator-child';
import { statusKb } from './lib/procfs';
import { report, type PhaseResult } from './lib/report';
import { Cleanup, log, RESULTS, ROOT } from './lib/run-support';
import { brokerPid, createDatabase, startBroker } from './lib/stack';
import { summarize } from './lib/stats';
import { formatProfile, summarizeProfile } from './profile-summary';

function phasesFromEnv(): number[] {
  const raw = process.env.BENCH_RATES ?? (process.env.BENCH_RATE !== undefined ? process.env.BENCH_RATE : '25,50,100,200,open');
  return raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    if (s === 'open' || s === '0') return 0;
    const v = Number(s);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`BENCH_RATES: '${s}' is neither a rate (orders/s) nor 'open'`);
    return v;
  });
}

const opts = {
  rates: phasesFromEnv(),
  phaseSeconds: intEnv('BENCH_PHASE_SECONDS', 20, 1),
  idleSeconds: intEnv('BENCH_IDLE_SECONDS', 60, 0),
  sagas: intEnv('BENCH_SAGAS', 5000, 1),
  warmup: intEnv('BENCH_WARMUP', 3000, 0),
  warmupRate: intEnv('BENCH_WARMUP_RATE', 100, 0),
  batch: intEnv('BENCH_BATCH', 200, 1),
  seed: intEnv('BENCH_SEED', Date.now() % 2 ** 31, 0),
  timeoutMs: intEnv('BENCH_TIMEOUT_MS', 0, 0),
  cpuProf: !!process.env.BENCH_CPU_PROF && process.env.BENCH_CPU_PROF !== '0',
  probe: !!process.env.BENCH_PROBE && process.env.BENCH_PROBE !== '0',
  logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
  pgAdminUrl: process.env.BENCH_PG_ADMIN_URL,
  pgPort: intEnv('BENCH_PG_PORT', 49432, 1),
  kafkaPort: intEnv('BENCH_KAFKA_PORT', 49092, 1),
  instances: intEnv('BENCH_INSTANCES', 1, 1),
};
const phaseTimeoutMs = (n: number) => opts.timeoutMs || 60_000 + n * 20;
const phaseName = (rate: number) => (rate ? `${rate}/s` : 'open loop');

const runId = `${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;

async function commitsOf(db: Client, database: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>('select xact_commit::text as n from pg_stat_database where datname = $1', [database]);
  return Number(rows[0]?.n ?? NaN);
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
    const kafka = await startBroker(opts.kafkaPort, cleanup);
    const database = await createDatabase(opts.pgAdminUrl, opts.pgPort, cleanup);
    const databaseName = new URL(database.url).pathname.slice(1);
    const db = new Client({ connectionString: database.url });
    await db.connect();
    cleanup.add('close the database client', () => db.end());
    // Without autovacuum nothing is ANALYZEd or vacuumed during the run: dead rows pile up, which
    // no production server does, so the PostgreSQL figures are not comparable (README, Benchmarks).
    const autovacuum = (await db.query<{ autovacuum: string }>('show autovacuum')).rows[0].autovacuum;
    if (autovacuum !== 'on') log('warning: autovacuum is off on this PostgreSQL server: dead rows pile up and the PostgreSQL figures are not those of a production server (BENCH_PG_ADMIN_URL picks another)');
    log('calibrating: PostgreSQL one-row commits/s with 16 clients (pgbench), page-fault cost');
    const calibration = calibrate(database.url);
    result.environment = {
      kafkaBrokers: kafka.brokers, brokerStartedByBench: kafka.started, postgresStartedByBench: database.serverStarted, database: database.name ?? '(DATABASE_URL)', cores: cpus().length,
      node: process.version, calibration, autovacuum,
    };
    log(`broker ${kafka.brokers}, database ${database.name ?? '(DATABASE_URL)'}, topic prefix ${prefix}`);

    // Several instances share the consumer group and the database, as on a real deployment.
    const orchestrators: Orchestrator[] = [];
    for (let i = 0; i < opts.instances; i++) {
      const o = await startOrchestrator({
        SERVER_PORT: '0', SERVER_HOST: '127.0.0.1', DATABASE_URL: database.url, KAFKA_BROKERS: kafka.brokers,
        KAFKA_TOPIC_PREFIX: prefix, KAFKA_GROUP_ID: `${prefix}orchestrator`, KAFKA_CLIENT_ID: `saga-orchestrator-${i + 1}`, LOG_LEVEL: opts.logLevel, SIMULATORS: 'false',
      }, { runId: `${runId}-${i + 1}`, cpuProf: opts.cpuProf && i === 0, probe: opts.probe && i === 0 }, cleanup);
      log(`orchestrator ${i + 1} pid ${o.pid} listening on ${o.url}`);
      orchestrators.push(o);
    }
    const orchestrator = orchestrators[0];
    const pids = orchestrators.map((o) => o.pid);
    const rssOf = () => pids.reduce((sum, pid) => sum + (statusKb(pid, 'VmRSS') ?? 0), 0);

    let rssMaxKb = 0;
    const rssTimer = setInterval(() => { rssMaxKb = Math.max(rssMaxKb, rssOf()); }, 200);
    cleanup.add('stop RSS sampling', async () => clearInterval(rssTimer));

    // The simulators and the observer fetch as the orchestrator does: the same variables, read by the same config.
    const { fetchMinBytes, fetchMaxWaitMs, topicPartitions } = loadConfig(process.env, []).kafka;
    const fetchTuning = { fetchMinBytes, fetchMaxWaitMs, defaultPartitions: topicPartitions };
    // kafkajs reports every transient broker error (fresh topics: "not the leader") at error level.
    const quiet = pino({ level: process.env.BENCH_CLIENT_LOG_LEVEL ?? 'fatal' }, pino.destination(2));
    const receipts = new ReceiptLog(new PrefixedTransport(new KafkaTransport({ brokers: kafka.brokers.split(','), clientId: 'bench-sim', logger: quiet, ...fetchTuning }), prefix));
    cleanup.add('close the simulators transport', () => receipts.close());
    const participants = await startParticipants(receipts, { groupIdPrefix: `${prefix}sim`, logger: pino({ level: 'warn' }, pino.destination(2)) });
    cleanup.add('stop the simulators', () => participants.stop());
    const clientTransport = new PrefixedTransport(new KafkaTransport({ brokers: kafka.brokers.split(','), clientId: 'bench-client', logger: quiet, ...fetchTuning }), prefix);
    cleanup.add('close the load generator transport', () => clientTransport.close());
    const observer = new Observer();
    await observer.start(clientTransport, `${prefix}observer`);
    cleanup.add('stop the outcome observer', () => observer.stop());

    const brokerProcess = brokerPid(kafka.brokers);

    const failures: string[] = [];
    if (opts.warmup > 0) {
      log(`warm-up: ${opts.warmup} sagas${opts.warmupRate ? ` at ${opts.warmupRate}/s` : ''}`);
      await offer(clientTransport, observer, planMix(opts.warmup, opts.seed + 1), 'warm-up', { rate: opts.warmupRate, batch: opts.batch });
      if (!(await waitForOutcomes(observer, 'warm-up', opts.warmup, orchestrators, phaseTimeoutMs(opts.warmup)))) failures.push(`warm-up: ${opts.warmup - observer.doneIn('warm-up')} of ${opts.warmup} orders got no outcome`);
    }

    if (failures.length === 0 && opts.idleSeconds > 0) {
      await sleep(3000); // let the warm-up's last commits, fetches and relay passes settle
      log(`idle: ${opts.idleSeconds} s with everything running and no orders`);
      const before = sampleCpu(pids, brokerProcess, await postgresProcessesOf(db, databaseName));
      const commitsBefore = await commitsOf(db, databaseName);
      await sleep(opts.idleSeconds * 1000);
      const commits = (await commitsOf(db, databaseName)) - commitsBefore - 1;
      result.idle = { cpu: cpuSplit(before, sampleCpu(pids, brokerProcess, await postgresProcessesOf(db, databaseName))), commitsPerSecond: commits / opts.idleSeconds };
    }

    const phases: PhaseResult[] = [];
    for (const [i, rate] of opts.rates.entries()) {
      if (failures.length > 0) break;
      const name = phaseName(rate);
      const n = rate ? Math.max(1, Math.round(rate * opts.phaseSeconds)) : opts.sagas;
      log(`${name}: ${n} sagas${rate ? ` over ${opts.phaseSeconds} s` : `, batches of ${opts.batch}`}`);
      const before = sampleCpu(pids, brokerProcess, await postgresProcessesOf(db, databaseName));
      const commitsBefore = await commitsOf(db, databaseName);
      const sent = await offer(clientTransport, observer, planMix(n, opts.seed + 10 + i), name, { rate, batch: opts.batch });
      if (!(await waitForOutcomes(observer, name, n, orchestrators, phaseTimeoutMs(n)))) failures.push(`${name}: ${n - observer.doneIn(name)} of ${n} orders got no outcome`);
      const cpu = cpuSplit(before, sampleCpu(pids, brokerProcess, await postgresProcessesOf(db, databaseName)));
      const commits = (await commitsOf(db, databaseName)) - commitsBefore - 1;
      const done = observer.of(name).filter((t) => t.outcomeAt !== null);
      const lastAt = done.reduce((m, t) => Math.max(m, t.outcomeAt!), 0);
      const wallMs = lastAt - sent.firstAt;
      phases.push({
        name, rate, sagas: n, completed: done.length,
        completedPerSecond: (done.length / wallMs) * 1000,
        offeredPerSecond: (n / Math.max(1, sent.lastAt - sent.firstAt)) * 1000,
        latencyMs: summarize(done.map((t) => t.outcomeAt! - t.sentAt)),
        cpu, commitsPerSaga: commits / Math.max(1, done.length), rssMb: rssOf() / 1024,
      });
      await sleep(1000); // a gap between phases, so one phase's tail does not load the next
    }
    await sleep(500); // late duplicates, if any, would show up now

    const peakRssKb = Math.max(...pids.map((pid) => statusKb(pid, 'VmHWM') ?? NaN));
    rssMaxKb = Math.max(rssMaxKb, rssOf());
    const metrics = await orchestratorMetrics(orchestrator.url).catch((e: Error) => ({ error: e.message }));

    const { checks, rows } = await checkCorrectness(db, observer, participants);
    for (const f of failures) checks.unshift({ name: 'all outcomes within the time limit', ok: false, detail: f });

    log('reading the run\'s messages back for the hop breakdown');
    const messages = await readBack(kafka.brokers.split(','), prefix);
    const consumedAt = await consumedAtOf(db, messages.filter((m) => !m.byOrchestrator).map((m) => m.eventId));
    const hops: Record<string, unknown> = {};
    for (const p of phases) hops[p.name] = hopBreakdown(messages, new Set(observer.of(p.name).map((t) => t.order.orderId)), receipts.receivedAt, consumedAt);
    for (const p of phases) {
      const dbLatency = observer.of(p.name).map((t) => rows.get(t.order.orderId)).filter((r): r is SagaDbRow => !!r && r.ended_ms !== null).map((r) => r.ended_ms! - r.created_ms);
      p.databaseLatencyMs = summarize(dbLatency);
    }

    Object.assign(result, {
      ok: checks.every((c) => c.ok),
      phases, hops,
      orchestrator: {
        instances: orchestrators.length, pids, peakRssMb: peakRssKb / 1024, maxSampledRssMb: rssMaxKb / 1024,
        logWarnings: orchestrators.reduce((n, o) => n + o.warnings, 0), logErrors: orchestrators.reduce((n, o) => n + o.errors, 0), metrics,
      },
      simulators: participants.ledger.totals(),
      checks,
    });
    ok = result.ok as boolean;
    if (!ok) log(`orchestrator output (last lines):\n${orchestrator.tail.slice(-15).join('\n')}`);

    // Stop the child before the rest so --cpu-prof writes its profile.
    await observer.stop();
    await participants.stop();
    for (const o of orchestrators) await o.stop();
    if (orchestrator.profileDir) {
      const files = readdirSync(orchestrator.profileDir).filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(orchestrator.profileDir!, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
      if (files[0]) result.cpuProfile = summarizeProfile(files[0], 25);
      else log(`no .cpuprofile written in ${orchestrator.profileDir}`);
    }
    if (orchestrator.probeFile && existsSync(orchestrator.probeFile)) result.probe = JSON.parse(readFileSync(orchestrator.probeFile, 'utf8'));
    process.stdout.write(report(result));
    if (result.cpuProfile) process.stdout.write(`\n${formatProfile(result.cpuProfile as ReturnType<typeof summarizeProfile>)}\n`);
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

main().then(
  (code) => process.exit(code),
  (error) => { process.stderr.write(`bench crashed: ${(error as Error).stack}\n`); process.exit(1); },
);
