/** CPU split between the processes of a run (orchestrator, broker, PostgreSQL, this process), from /proc. */
import { cpus } from 'node:os';
import type { Client } from 'pg';
import { cpuTicks, findPids, machineTicks, parentAndReapedTicks, snapshot, ticksBetween, ticksPerSecond, type TickSnapshot } from './procfs';
import { now } from './run-support';

export interface CpuSample { at: number; child: number | undefined; broker: number | undefined; pg: PostgresSample; bench: NodeJS.CpuUsage; machine: { busy: number; total: number } }

/** The PostgreSQL processes to count, and the server's postmaster (whose reaped children's CPU is counted too). */
export interface PostgresProcesses { pids: number[]; postmaster?: number }

/** Ticks of the live processes, and the postmaster's cutime + cstime (children that exited). */
export interface PostgresSample { ticks: TickSnapshot; reaped: number }

/**
 * `childPids`: the orchestrator processes, counted together. `postgres`: the server processes to
 * count (default: every postgres process of the machine); take it again at the end of a window,
 * so backends started during it count too.
 */
export function sampleCpu(childPids: number[], broker: number | undefined, postgres?: PostgresProcesses): CpuSample {
  const postmaster = postgres?.postmaster === undefined ? undefined : parentAndReapedTicks(postgres.postmaster);
  return {
    at: now(),
    child: childPids.reduce((sum, pid) => sum + (cpuTicks(pid) ?? 0), 0),
    broker: broker === undefined ? undefined : cpuTicks(broker),
    pg: { ticks: snapshot(postgres?.pids ?? findPids((_cmd, comm) => comm === 'postgres')), reaped: postmaster?.reaped ?? 0 },
    bench: process.cpuUsage(),
    machine: machineTicks(),
  };
}

export function cpuSplit(a: CpuSample, b: CpuSample) {
  const seconds = (b.at - a.at) / 1000;
  const tps = ticksPerSecond();
  const pct = (ticks: number) => (100 * ticks) / tps / seconds;
  const orchestrator = pct((b.child ?? 0) - (a.child ?? 0));
  const broker = a.broker === undefined || b.broker === undefined ? NaN : pct(b.broker - a.broker);
  const postgres = pct(postgresTicksBetween(a.pg, b.pg));
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

export type CpuSplit = ReturnType<typeof cpuSplit>;

/**
 * PostgreSQL CPU between two samples: the processes alive at the end (a process new since the
 * first sample counts from zero), plus what the postmaster reaped meanwhile (backends and
 * autovacuum workers that exited), less what the reaped ones we had sampled had used before the
 * window. Counting only the processes listed at the start missed every connection opened or
 * closed during a phase, so a build whose pool opens and closes connections differently was
 * charged differently for the same work.
 */
export function postgresTicksBetween(before: PostgresSample, after: PostgresSample): number {
  let usedBeforeByExited = 0;
  for (const [pid, t] of before.ticks) if (!after.ticks.has(pid)) usedBeforeByExited += t;
  return ticksBetween(before.ticks, after.ticks) + Math.max(0, after.reaped - before.reaped - usedBeforeByExited);
}

/**
 * The PostgreSQL processes that work for one database: its backends and the server's own
 * processes (checkpointer, WAL writer, autovacuum, ...), not other databases' live backends on a
 * shared server, and the postmaster (the parent of this client's backend). Children that exit
 * are counted through the postmaster, whichever database they served: run benchmarks on a
 * server nothing else uses.
 */
export async function postgresProcessesOf(db: Client, database: string): Promise<PostgresProcesses> {
  const { rows } = await db.query<{ pid: number; own: number }>(
    `select pid, pg_backend_pid() as own from pg_stat_activity where datname = $1 or backend_type <> 'client backend'`, [database]);
  return { pids: rows.map((r) => r.pid), postmaster: rows[0] ? parentAndReapedTicks(rows[0].own)?.ppid : undefined };
}
