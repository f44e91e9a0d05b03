/** The benchmark's printed report: the latency curve, CPU per process, idle cost, hops, checks. */
import type { Check } from './correctness';
import type { CpuSplit } from './cpu';
import type { HopBreakdown } from './hops';
import { ORDER_MIX } from './mix';
import { ms, table, type Summary } from './stats';

export interface PhaseResult {
  name: string;
  /** Offered orders/s; 0 = open loop. */
  rate: number;
  sagas: number;
  completed: number;
  completedPerSecond: number;
  offeredPerSecond: number;
  /** Client view: OrderCreated published -> final event received. */
  latencyMs: Summary;
  /** saga_instance.ended_at - created_at. */
  databaseLatencyMs?: Summary;
  cpu: CpuSplit;
  commitsPerSaga: number;
  rssMb: number;
}

const pct = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)}%` : 'n/a');
/** CPU milliseconds per completed saga: comparable between runs even when the machine is shared. */
const perSaga = (percentOfCore: number, cpu: CpuSplit, sagas: number) =>
  (Number.isFinite(percentOfCore) && sagas > 0 ? ((percentOfCore / 100) * cpu.seconds * 1000 / sagas).toFixed(2) : 'n/a');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function report(r: Record<string, any>): string {
  const out: string[] = [];
  const env = r.environment;
  out.push('', `saga benchmark ${r.runId}: ${r.params.instances} orchestrator instance(s), seed ${r.params.seed}, warm-up ${r.params.warmup} sagas${r.params.warmupRate ? ` at ${r.params.warmupRate}/s` : ' at once'}, ${env.cores} cores, node ${env.node}`);
  out.push(`mix: ${ORDER_MIX.map((k) => `${k.weight}% ${k.name}`).join(', ')}`);
  out.push(`calibration: PostgreSQL one-row commits/s at 16 clients ${env.calibration.pgCommitsPerSecond?.toFixed(0) ?? 'n/a (no pgbench)'}, page fault ${env.calibration.pageFaultUs.toFixed(1)} µs, autovacuum ${env.autovacuum ?? 'n/a'}`);

  const phases = (r.phases ?? []) as PhaseResult[];
  if (phases.length > 0) {
    out.push('', 'latency curve (client: OrderCreated published -> final event received; CPU over the phase, % of one core):');
    out.push(table(['offered', 'sagas', 'completed/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'machine cpu', 'commits/saga'], phases.map((p) => [
      p.rate ? `${p.rate}/s` : `open (${p.offeredPerSecond.toFixed(0)}/s)`, p.completed, p.completedPerSecond.toFixed(1),
      ms(p.latencyMs.p50), ms(p.latencyMs.p95), ms(p.latencyMs.p99), ms(p.latencyMs.max), pct(p.cpu.machine), p.commitsPerSaga.toFixed(2),
    ])));
    out.push('', 'CPU ms per saga, by process (orchestrator + broker + PostgreSQL = the stack; the bench process runs the simulators):');
    out.push(table(['offered', 'orchestrator', 'broker', 'PostgreSQL', 'stack', 'simulators', 'other', 'orchestrator RSS'], phases.map((p) => [
      p.rate ? `${p.rate}/s` : 'open',
      perSaga(p.cpu.orchestrator, p.cpu, p.completed), perSaga(p.cpu.broker, p.cpu, p.completed), perSaga(p.cpu.postgres, p.cpu, p.completed),
      perSaga(p.cpu.orchestrator + (Number.isFinite(p.cpu.broker) ? p.cpu.broker : 0) + p.cpu.postgres, p.cpu, p.completed),
      perSaga(p.cpu.bench, p.cpu, p.completed), perSaga(p.cpu.other, p.cpu, p.completed), `${p.rssMb.toFixed(0)} MB`,
    ])));
  }

  if (r.idle) {
    const c = r.idle.cpu as CpuSplit;
    out.push('', `idle (${c.seconds.toFixed(0)} s, no orders, everything running), % of one core:`);
    out.push(table(['orchestrator', 'broker', 'PostgreSQL', 'stack', 'simulators', 'machine', 'commits/s'], [[
      pct(c.orchestrator), pct(c.broker), pct(c.postgres), pct(c.orchestrator + (Number.isFinite(c.broker) ? c.broker : 0) + c.postgres), pct(c.bench), pct(c.machine),
      (r.idle.commitsPerSecond as number).toFixed(2),
    ]]));
  }

  const hops = (r.hops ?? {}) as Record<string, HopBreakdown>;
  const hopRows = Object.entries(hops).filter(([, h]) => h.sagas > 0);
  if (hopRows.length > 0) {
    out.push('', 'where a saga\'s time goes, mean ms per saga (from Kafka CreateTime, participant receipt and inbox received_at):');
    out.push(table(['offered', 'orch. consume', 'orch. turn', 'delivery to participant', 'participant', 'total', 'orch. turns', 'participant turns'], hopRows.map(([name, h]) => [
      name, ms(h.mean.orchestratorConsume), ms(h.mean.orchestratorTurn), ms(h.mean.participantDelivery), ms(h.mean.participantWork), ms(h.mean.total),
      h.turns.orchestrator.toFixed(1), h.turns.participant.toFixed(1),
    ])));
    out.push('', 'one turn, p50 / p99 ms:');
    out.push(table(['offered', 'orch. consume', 'orch. turn', 'delivery to participant', 'participant'], hopRows.map(([name, h]) => [
      name, `${ms(h.perTurn.orchestratorConsume.p50)} / ${ms(h.perTurn.orchestratorConsume.p99)}`, `${ms(h.perTurn.orchestratorTurn.p50)} / ${ms(h.perTurn.orchestratorTurn.p99)}`,
      `${ms(h.perTurn.participantDelivery.p50)} / ${ms(h.perTurn.participantDelivery.p99)}`, `${ms(h.perTurn.participantWork.p50)} / ${ms(h.perTurn.participantWork.p99)}`,
    ])));
  }

  if (r.orchestrator) {
    out.push('', `orchestrator (${r.orchestrator.instances} instance(s)): peak RSS (VmHWM, largest instance) ${r.orchestrator.peakRssMb.toFixed(1)} MB, log warnings / errors ${r.orchestrator.logWarnings} / ${r.orchestrator.logErrors}`);
  }
  if (r.probe) {
    out.push('', `orchestrator wall time by operation (BENCH_PROBE, whole child lifetime ${(r.probe.uptimeMs / 1000).toFixed(1)} s):`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    out.push(table(['operation', 'calls', 'avg items', 'max items', 'total s', 'avg ms', 'p50 ms', 'p99 ms', 'max ms', 'max conc'], (r.probe.series as any[]).slice(0, 22)
      .map((x) => [x.name, x.calls, x.avgItems.toFixed(1), x.maxItems, (x.totalMs / 1000).toFixed(2), ms(x.avgMs), ms(x.p50Ms), ms(x.p99Ms), ms(x.maxMs), x.maxInFlight])));
  }
  out.push('', table(['check', 'result', 'detail'], ((r.checks ?? []) as Check[]).map((ch) => [ch.name, ch.ok ? 'ok' : 'FAIL', ch.detail])));
  out.push('', r.ok ? 'ALL CHECKS PASSED' : 'CHECKS FAILED', '');
  return out.join('\n');
}
