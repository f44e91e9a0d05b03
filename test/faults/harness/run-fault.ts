/** Runs one fault in a fresh world while orders flow, then checks every invariant. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fault } from './faults';
import {
  deadLetteredExactlyOnce, exactlyOneOutcome, noEffectTwice, noSagaStuck, nothingLeftCharged, readyTellsTheTruth, sagasByOrder, streamComplete,
  type CheckResult, type Evidence,
} from './invariants';
import { settleMs, stallMs } from './profile';
import { outcomeSummary, type FaultRow } from './table';
import { FaultWorld, type Infrastructure } from './world';

export interface FaultResult {
  row: FaultRow;
  checks: CheckResult[];
  /** "invariant: violation" for each broken invariant, empty when the fault left everything intact. */
  violations: string[];
  /** The orchestrators' log tails, for a failed run. */
  logs: string;
  /** Where the time went: setup, fault, stream, settle, evidence. */
  phases: string;
}

export async function runFault(fault: Fault, infra: Infrastructure): Promise<FaultResult> {
  const phases: string[] = [];
  let phaseStart = Date.now();
  const phase = (name: string) => { phases.push(`${name} ${((Date.now() - phaseStart) / 1000).toFixed(1)}s`); phaseStart = Date.now(); };
  await infra.broker.ensureUp();
  await infra.postgres.ensureUp();
  await infra.broker.waitUntilServing();
  const world = await FaultWorld.open(infra);
  phase(`setup (${world.setupPhases.join(', ')})`);
  try {
    world.stream.start();
    await sleep(infra.profile.leadMs);
    const times = await fault.run(world);
    phase('fault');
    await sleep(infra.profile.trailMs);
    await world.stream.stop();
    phase('stream');
    const settledAt = await world.settle(settleMs(infra.profile), stallMs(infra.profile));
    phase('settle');
    await world.letSubscriberCatchUp();
    await world.letDeadLettersArrive();
    const finalReady = await world.finalReadiness();
    phase('evidence');

    const evidence: Evidence = {
      db: world.db, ledger: world.participants.ledger, orders: world.stream.orders, poisons: world.poison.injected,
      deadLetters: world.deadLetters.records, subscriber: world.subscriber, readySamples: world.probe.samples, finalReady,
      window: { ...fault.window, downFrom: times.downFrom, downTo: times.downTo, endedAt: times.endedAt },
    };
    const sagas = await sagasByOrder(world.db);
    const outcome = exactlyOneOutcome(evidence, sagas);
    const effects = noEffectTwice(evidence);
    const money = nothingLeftCharged(evidence);
    const stuck = noSagaStuck(sagas);
    const dlq = await deadLetteredExactlyOnce(evidence);
    const stream = await streamComplete(evidence, sagas);
    const ready = readyTellsTheTruth(evidence);
    const checks = [outcome, effects, money, stuck, dlq, stream, ready];
    const violations = checks.flatMap((c) => c.violations.map((v) => `${c.invariant}: ${v}`));
    const row: FaultRow = {
      fault: fault.name,
      orders: world.stream.orders.length,
      outcomes: outcomeSummary(outcome.outcomes),
      lost: outcome.lost,
      doubled: effects.doubled + outcome.doubledOutcomes,
      stuck: stuck.stuck,
      unrefunded: money.unrefunded,
      deadLetters: evidence.poisons.length ? `${dlq.matched}/${evidence.poisons.length}` : dlq.violations.length ? 'strays' : '-',
      stream: `${stream.missingSagas ? `feed gaps in ${stream.missingSagas}` : 'feed complete'}${stream.reorderedSagas ? ` (${stream.reorderedSagas} out of sequence order)` : ''}, ${world.subscriber.reconnects} reconnects, live after: ${stream.violations.some((v) => v.includes('after the fault')) ? 'lost' : `ok (${stream.checkedAfter})`}`,
      ready: ready.violations.length ? 'wrong' : 'ok',
      recoveryMs: settledAt === null ? null : Math.max(0, settledAt - times.endedAt),
      violated: checks.filter((c) => c.violations.length > 0).length,
    };
    return { row, checks, violations, logs: world.fleet.logs(), phases: phases.join(', ') };
  } finally {
    await world.close();
  }
}
