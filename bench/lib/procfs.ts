/**
 * CPU and memory of processes from /proc (Linux only), so the benchmark can split the machine's
 * CPU between the orchestrator, the broker, PostgreSQL and itself without extra tools.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Kernel clock ticks per second (utime/stime unit), usually 100. */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** The fields of /proc/<pid>/stat after the command name (the state is [0]), or undefined if it is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: fields after the last ')' are fixed.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of one process in ticks, or undefined if it is gone. */
export function cpuTicks(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[11]) + Number(fields[12]) : undefined;
}

/** Parent pid and the utime + stime in ticks of its children that exited and were reaped (cutime + cstime). */
export function parentAndReapedTicks(pid: number): { ppid: number; reaped: number } | undefined {
  const fields = statFields(pid);
  return fields ? { ppid: Number(fields[1]), reaped: Number(fields[13]) + Number(fields[14]) } : undefined;
}

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM, ...), or undefined. */
export function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total ticks of the whole machine (first line of /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // without guest (already in user)
  return { busy: total - idle, total };
}

/** Pids whose command line matches. */
export function findPids(match: (cmdline: string, comm: string) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (match(cmdline, comm)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Snapshot of ticks per pid for a group of processes (e.g. every postgres backend). */
export type TickSnapshot = Map<number, number>;

export function snapshot(pids: number[]): TickSnapshot {
  const snap: TickSnapshot = new Map();
  for (const pid of pids) {
    const t = cpuTicks(pid);
    if (t !== undefined) snap.set(pid, t);
  }
  return snap;
}

/** CPU ticks used between two snapshots; a pid new in `after` counts from zero. */
export function ticksBetween(before: TickSnapshot, after: TickSnapshot): number {
  let sum = 0;
  for (const [pid, t] of after) sum += t - (before.get(pid) ?? 0);
  return sum;
}
