/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self and inclusive time per function and
 * self time per package, as a share of the non-idle time.
 *
 *   node dist/bench/profile-summary.js <file.cpuprofile> [top=30]
 */
import { readFileSync } from 'node:fs';
import { ms, table } from './lib/stats';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  gcMs: number;
  byPackage: { name: string; selfMs: number; pct: number }[];
  selfTop: { fn: string; selfMs: number; pct: number }[];
  inclusiveTop: { fn: string; totalMs: number; pct: number }[];
}

function shortUrl(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (idle), (program)
    return '(native)';
  }
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node:internal';
  const dist = url.indexOf('/dist/');
  if (dist >= 0) {
    const parts = url.slice(dist + '/dist/'.length).split('/');
    return `app:${parts.slice(0, Math.min(2, parts.length - 1)).join('/')}`;
  }
  return '(other)';
}

function keyOf(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  const url = shortUrl(frame.url);
  return url ? `${name} ${url}:${frame.lineNumber + 1}` : name;
}

export function summarizeProfile(file: string, top = 30): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i + 1] is the time until the next sample: the time spent in samples[i].
    const dt = (timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(samples[i]);
    if (!node) continue;
    total += dt;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') { idle += dt; continue; }
    if (frame.functionName === '(garbage collector)') gc += dt;
    const key = keyOf(frame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const pkg = packageOf(frame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id)!.callFrame);
      if (k === '(root)' || seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  const busy = total - idle;
  const pct = (v: number) => (busy > 0 ? (100 * v) / busy : 0);
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    file,
    totalMs: total,
    idleMs: idle,
    busyMs: busy,
    gcMs: gc,
    byPackage: sorted(packages).slice(0, top).map(([name, v]) => ({ name, selfMs: v, pct: pct(v) })),
    selfTop: sorted(self).slice(0, top).map(([fn, v]) => ({ fn, selfMs: v, pct: pct(v) })),
    inclusiveTop: sorted(inclusive).slice(0, top).map(([fn, v]) => ({ fn, totalMs: v, pct: pct(v) })),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const pct = (v: number) => `${v.toFixed(1)}%`;
  return [
    `CPU profile ${s.file}`,
    `  sampled ${ms(s.totalMs)} ms, busy ${ms(s.busyMs)} ms (${pct((100 * s.busyMs) / (s.totalMs || 1))}), GC ${ms(s.gcMs)} ms (${pct((100 * s.gcMs) / (s.busyMs || 1))} of busy)`,
    '',
    table(['self time by package', 'ms', '% busy'], s.byPackage.map((p) => [p.name, ms(p.selfMs), pct(p.pct)])),
    '',
    table(['self time by function', 'ms', '% busy'], s.selfTop.map((p) => [p.fn, ms(p.selfMs), pct(p.pct)])),
    '',
    table(['inclusive time by function', 'ms', '% busy'], s.inclusiveTop.map((p) => [p.fn, ms(p.totalMs), pct(p.pct)])),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(summarizeProfile(file, Number(top ?? 30)))}\n`);
}
