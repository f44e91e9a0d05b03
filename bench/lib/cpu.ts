/** CPU split between the processes of a run (orchestrator, broker, PostgreSQL, this process), from /proc. */
import { cpus } from 'node:os';
import type { Client } from 'pg';
import { cpuTicks, findPids, machineTicks, snapshot, ticksBetween, ticksPerSecond, type TickSnapshot } from './procfs';
import { now } from './run-support';

export interface CpuSample { at: number; child: number | undefined; broker: number | undefined; pg: TickSnapshot; bench: NodeJS.CpuUsage; machine: { busy: number; total: number } }

/** `postgres`: the server processes to count (default: every postgres process of the machine). */
/** `childPids`: the orchestrator processes, counted together. */
export function sampleCpu(childPids: number[], broker: number | undefined, postgres?: number[]): CpuSample {
  return {
    at: now(),
    child: childPids.reduce((sum, pid) => sum + (cpuTicks(pid) ?? 0), 0),
    broker: broker === undefined ? undefined : cpuTicks(broker),
    pg: snapshot(postgres ?? findPids((_cmd, comm) => comm === 'postgres')),
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

export type CpuSplit = ReturnType<typeof cpuSplit>;

/**
 * The PostgreSQL processes that work for one database: its backends and the server's own
 * processes (checkpointer, WAL writer, ...), not other databases' backends on a shared server.
 */
export async function postgresPidsOf(db: Client, database: string): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 or backend_type <> 'client backend'`, [database]);
  return rows.map((r) => r.pid);
}
