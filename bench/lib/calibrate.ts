/**
 * How fast this machine is at the two things the saga benchmark leans on, so runs on different
 * machines (or on one VM on a busy day) can be compared: PostgreSQL one-row commits per second
 * with 16 clients (the figure the performance target was set against) and the cost of a page
 * fault (fresh memory from the kernel; very expensive on some VMs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface Calibration {
  /** null when pgbench is not installed. */
  pgCommitsPerSecond: number | null;
  pageFaultUs: number;
}

/** Microseconds per 4 KiB page fault: first touch of fresh memory minus a second touch. */
export function pageFaultMicros(bytes = 64 * 1024 * 1024): number {
  const buffer = Buffer.allocUnsafeSlow(bytes); // malloc: above the mmap threshold, untouched pages
  let t = performance.now();
  buffer.fill(1);
  const first = performance.now() - t;
  t = performance.now();
  buffer.fill(2);
  const second = performance.now() - t;
  return ((first - second) * 1000) / (bytes / 4096);
}

/** One-row INSERT transactions per second, 16 clients, 3 s, with pgbench on `databaseUrl`. */
export function pgCommitsPerSecond(databaseUrl: string, seconds = 3): number | null {
  const dir = mkdtempSync(join(tmpdir(), 'bench-calibrate-'));
  const psql = (sql: string) => spawnSync('psql', [databaseUrl, '-qXc', sql], { encoding: 'utf8' });
  try {
    if (psql('create table if not exists bench_calibrate (id bigserial primary key, v text)').status !== 0) return null;
    const script = join(dir, 'insert.sql');
    writeFileSync(script, "insert into bench_calibrate (v) values ('x');\n");
    const run = spawnSync('pgbench', ['-n', '-c16', '-j2', `-T${seconds}`, '-f', script, databaseUrl], { encoding: 'utf8' });
    const tps = /tps = ([\d.]+)/.exec(run.stdout ?? '');
    return run.status === 0 && tps ? Number(tps[1]) : null;
  } catch {
    return null;
  } finally {
    psql('drop table if exists bench_calibrate');
    rmSync(dir, { recursive: true, force: true });
  }
}

export function calibrate(databaseUrl: string): Calibration {
  return { pgCommitsPerSecond: pgCommitsPerSecond(databaseUrl), pageFaultUs: pageFaultMicros() };
}
