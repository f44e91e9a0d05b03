/**
 * Preloaded into the orchestrator child with BENCH_PROBE=1 (NODE_OPTIONS=--require): wraps a few
 * runtime methods to record how often they run, how big their batches are and how long they take
 * (wall time, including waiting for PostgreSQL and the broker). Nothing in src/ changes; the
 * numbers are written to BENCH_PROBE_OUT when the process exits.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { summarize } from './stats';

interface Series { calls: number; items: number; maxItems: number; totalMs: number; durations: number[]; inFlight: number; maxInFlight: number }

const series = new Map<string, Series>();
const startedAt = performance.now();

function seriesOf(name: string): Series {
  let s = series.get(name);
  if (!s) {
    s = { calls: 0, items: 0, maxItems: 0, totalMs: 0, durations: [], inFlight: 0, maxInFlight: 0 };
    series.set(name, s);
  }
  return s;
}

function wrap(proto: Record<string, unknown>, method: string, name: string | ((args: unknown[]) => string), items?: (args: unknown[], result: unknown) => number): void {
  const original = proto[method] as ((...args: unknown[]) => unknown) | undefined;
  if (typeof original !== 'function') {
    process.stderr.write(`bench probe: ${method} not found, not measured\n`);
    return;
  }
  proto[method] = function wrapped(this: unknown, ...args: unknown[]) {
    const s = seriesOf(typeof name === 'string' ? name : name(args));
    const t0 = performance.now();
    s.inFlight += 1;
    s.maxInFlight = Math.max(s.maxInFlight, s.inFlight);
    const done = (result: unknown) => {
      const dt = performance.now() - t0;
      s.inFlight -= 1;
      s.calls += 1;
      s.totalMs += dt;
      if (s.durations.length < 200_000) s.durations.push(dt);
      const n = items ? items(args, result) : 0;
      s.items += n;
      s.maxItems = Math.max(s.maxItems, n);
    };
    const result = original.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<unknown>).then((v) => { done(v); return v; }, (e: unknown) => { done(undefined); throw e; });
    }
    done(result);
    return result;
  };
}

const dist = join(__dirname, '..', '..', 'src');
const len = (v: unknown) => (Array.isArray(v) ? v.length : typeof v === 'number' ? v : 0);

/* eslint-disable @typescript-eslint/no-require-imports */
const { SagaProcessor } = require(join(dist, 'runtime', 'processor', 'saga-processor')) as { SagaProcessor: { prototype: Record<string, unknown> } };
wrap(SagaProcessor.prototype, 'handleBatch', 'processor.handleBatch (messages)', (args) => len(args[0]));
wrap(SagaProcessor.prototype, 'fireDueTimers', 'processor.fireDueTimers (fired)', (_a, r) => len(r));
const { OutboxRelay } = require(join(dist, 'messaging', 'outbox-relay')) as { OutboxRelay: { prototype: Record<string, unknown> } };
wrap(OutboxRelay.prototype, 'publishBatch', 'relay.publishBatch (rows)', (_a, r) => len(r));
const { KafkaTransport } = require(join(dist, 'messaging', 'kafka-transport')) as { KafkaTransport: { prototype: Record<string, unknown> } };
wrap(KafkaTransport.prototype, 'publish', 'kafka.publish (messages)', (args) => len(args[0]));

// Every SQL statement, by its first words.
const knex = require(require.resolve('@mikro-orm/knex', { paths: [process.cwd()] })) as { AbstractSqlConnection: { prototype: Record<string, unknown> } };
wrap(knex.AbstractSqlConnection.prototype, 'execute', (args) => {
  const sql = typeof args[0] === 'string' ? args[0] : 'knex query builder';
  return `sql: ${sql.replace(/\s+/g, ' ').trim().slice(0, 60)}`;
}, (_a, r) => (Array.isArray(r) ? r.length : 0));
const connection = knex.AbstractSqlConnection.prototype as Record<string, unknown>;
for (const m of ['begin', 'commit', 'rollback']) wrap(connection, m, `sql: ${m.toUpperCase()}`);

process.on('exit', () => {
  const out = process.env.BENCH_PROBE_OUT;
  if (!out) return;
  const report = {
    uptimeMs: performance.now() - startedAt,
    series: [...series.entries()].map(([name, s]) => {
      const d = summarize(s.durations);
      return {
        name, calls: s.calls, items: s.items, avgItems: s.calls ? s.items / s.calls : 0, maxItems: s.maxItems,
        totalMs: s.totalMs, avgMs: s.calls ? s.totalMs / s.calls : 0, p50Ms: d.p50, p99Ms: d.p99,
        maxMs: d.count ? d.max : 0, maxInFlight: s.maxInFlight,
      };
    }).sort((a, b) => b.totalMs - a.totalMs),
  };
  writeFileSync(out, JSON.stringify(report, null, 2));
});
