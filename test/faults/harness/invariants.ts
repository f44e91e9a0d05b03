/**
 * The invariants every fault must leave intact, as reusable checks over what the run left: the
 * orchestrator's database, the participants' ledgers, the dead-letter topics, what the healthy
 * subscriber received and what /ready said. Each check returns its violations, never throws, so
 * one broken invariant does not hide the others.
 */
import type { Pool } from 'pg';
import { isZero } from '../../../src/core/money';
import { fullyCompensated, type LedgerView } from '../../../src/participants';
import { dlqTopic } from '../../../src/messaging/contract';
import { originalHeader, originalValue, type DeadLetter } from './dead-letters';
import type { PlacedOrder } from './order-stream';
import type { Poison } from './poison';
import type { ReadySample } from './readiness';
import type { HealthySubscriber } from './subscribers';

export interface FaultWindow {
  /** When the dependency went down and came back (absent for faults without an outage). */
  downFrom?: number;
  downTo?: number;
  /** /ready must have said 503 while the dependency was down (false for outages too short to sample). */
  readyMustDrop: boolean;
  /** Nothing interrupted the live step stream, so sagaStepUpdated must be complete too. */
  liveStepsMustBeComplete: boolean;
  /** The fault was over: sagas started later must reach a live subscriber completely, whatever came before. */
  endedAt: number;
}

export interface Evidence {
  db: Pool;
  ledger: LedgerView;
  orders: PlacedOrder[];
  poisons: Poison[];
  deadLetters: DeadLetter[];
  subscriber: HealthySubscriber;
  readySamples: ReadySample[];
  finalReady: ReadySample[];
  window: FaultWindow;
}

export interface CheckResult {
  invariant: string;
  violations: string[];
}

export interface Counts {
  orders: number;
  outcomes: Record<string, number>;
  lost: number;
  doubled: number;
  stuck: number;
  unrefunded: number;
}

interface SagaRow { id: string; order_id: string; status: string; event_seq: number; has_timer: boolean }

const ACTIVE = new Set(['RUNNING', 'COMPENSATING']);
const MAX_LISTED = 8;

function listed(violations: string[]): string[] {
  return violations.length > MAX_LISTED ? [...violations.slice(0, MAX_LISTED), `... and ${violations.length - MAX_LISTED} more`] : violations;
}

export async function sagasByOrder(db: Pool): Promise<Map<string, SagaRow>> {
  const { rows } = await db.query<SagaRow>(
    'select s.id, s.order_id, s.status, s.event_seq, exists (select 1 from saga_timer t where t.saga_id = s.id) as has_timer from saga_instance s',
  );
  return new Map(rows.map((r) => [r.order_id, r]));
}

/** Every order reaches exactly one final outcome, the one its scenario leads to, and the saga agrees. */
export function exactlyOneOutcome(e: Evidence, sagas: Map<string, SagaRow>): CheckResult & { lost: number; doubledOutcomes: number; outcomes: Record<string, number> } {
  const violations: string[] = [];
  const outcomes: Record<string, number> = {};
  let lost = 0;
  let doubledOutcomes = 0;
  for (const order of e.orders) {
    const view = e.ledger.order(order.orderId);
    const saga = sagas.get(order.orderId);
    const status = saga?.status ?? 'NO_SAGA';
    outcomes[status] = (outcomes[status] ?? 0) + 1;
    const outcomesSeen = view?.outcomes ?? 0;
    if (outcomesSeen === 0) {
      lost += 1;
      violations.push(`${order.kind.name} order ${order.orderId}: no final event (saga ${saga?.id ?? 'missing'} is ${status})`);
      continue;
    }
    if (outcomesSeen > 1) {
      doubledOutcomes += 1;
      violations.push(`${order.kind.name} order ${order.orderId}: ${outcomesSeen} final events`);
    }
    // TIMED_OUT is a legitimate end for a saga that ran while a dependency was down (a broker
    // restart can outlast every attempt); for any other order it is as wrong as any other status.
    const mayTimeOut = e.window.downTo !== undefined && order.placedAt <= e.window.downTo;
    if (status !== order.kind.expected && !(status === 'TIMED_OUT' && mayTimeOut)) violations.push(`${order.kind.name} order ${order.orderId}: ended ${status}, expected ${order.kind.expected}`);
    const outcome = view!.outcome!;
    const agrees = outcome.result === 'APPROVED' ? status === 'COMPLETED' : outcome.status === status;
    if (!agrees) violations.push(`order ${order.orderId}: the Order service got ${JSON.stringify(outcome)} but the saga is ${status}`);
  }
  return { invariant: 'every order reaches exactly one final outcome', violations: listed(violations), lost, doubledOutcomes, outcomes };
}

/** No command's effect applied twice, as the participants' ledgers record them. */
export function noEffectTwice(e: Evidence): CheckResult & { doubled: number } {
  const violations: string[] = [];
  let doubled = 0;
  for (const order of e.orders) {
    const view = e.ledger.order(order.orderId);
    if (!view) continue;
    const parts = order.message.payments?.length ?? 1;
    const found: string[] = [...view.problems];
    if (view.reservations.length > 1) found.push(`${view.reservations.length} reservations`);
    if (view.confirmations.length > 1) found.push(`${view.confirmations.length} confirmations`);
    if (view.coupons.length > 1) found.push(`${view.coupons.length} coupon uses`);
    if (view.charges.length > parts) found.push(`${view.charges.length} charges for ${parts} payment part(s)`);
    if (found.length) {
      doubled += 1;
      violations.push(`${order.kind.name} order ${order.orderId}: ${found.join('; ')}`);
    }
  }
  return { invariant: 'no command applied twice', violations: listed(violations), doubled };
}

/** Nothing charged is left unrefunded: a cancelled order keeps nothing, an approved one only the charges it names. */
export function nothingLeftCharged(e: Evidence): CheckResult & { unrefunded: number } {
  const violations: string[] = [];
  let unrefunded = 0;
  for (const order of e.orders) {
    const view = e.ledger.order(order.orderId);
    if (!view?.outcome) continue;
    if (view.outcome.result === 'CANCELLED') {
      if (!isZero(view.netCharged) || !fullyCompensated(view)) {
        unrefunded += 1;
        violations.push(`${order.kind.name} order ${order.orderId} cancelled with ${view.netCharged} still charged, reservations ${view.openReservations.length}, coupons ${view.activeCoupons.length} in effect`);
      }
    } else {
      const kept = new Set(view.outcome.paymentIds);
      const stray = view.charges.filter((c) => !c.refunded && !kept.has(c.paymentId));
      if (stray.length) {
        unrefunded += 1;
        violations.push(`${order.kind.name} order ${order.orderId} approved with unrefunded charges it does not keep: ${stray.map((c) => `${c.paymentId} ${c.amount}`).join(', ')}`);
      }
    }
  }
  return { invariant: 'nothing charged is left unrefunded', violations: listed(violations), unrefunded };
}

/** No saga waits forever: a saga not yet final has a due timer; none waits for an operator. */
export function noSagaStuck(sagas: Map<string, SagaRow>): CheckResult & { stuck: number } {
  const violations: string[] = [];
  for (const s of sagas.values()) {
    if (ACTIVE.has(s.status) && !s.has_timer) violations.push(`saga ${s.id} (order ${s.order_id}) is ${s.status} with no timer`);
    if (s.status === 'COMPENSATION_FAILED') violations.push(`saga ${s.id} (order ${s.order_id}) is COMPENSATION_FAILED`);
  }
  return { invariant: 'no saga stuck', violations: listed(violations), stuck: violations.length };
}

/**
 * Every bad message is in its DLQ exactly once with its original bytes (value, key, headers as
 * base64), and nothing else is: a real order's message dead-lettered is a message lost.
 */
export async function deadLetteredExactlyOnce(e: Evidence): Promise<CheckResult & { matched: number }> {
  const violations: string[] = [];
  const claimed = new Set<DeadLetter>();
  let matched = 0;
  for (const poison of e.poisons) {
    const inTopic = e.deadLetters.filter((d) => d.dlqTopic === dlqTopic(poison.topic));
    const hits = inTopic.filter((d) => originalValue(d)?.equals(poison.value));
    for (const h of hits) claimed.add(h);
    if (poison.duplicateOf && hits.length === 0) {
      const { rows } = await e.db.query("select count(*)::int as n from saga_event ev join saga_instance s on s.id = ev.saga_id where s.order_id = $1 and ev.type like '%CONFLICT%'", [poison.duplicateOf]);
      if (rows[0].n === 1) { matched += 1; continue; }
      violations.push(`${poison.kind}: neither dead-lettered nor recorded as a conflict on its saga (${rows[0].n} conflict events)`);
      continue;
    }
    if (hits.length !== 1) {
      const lossy = inTopic.filter((d) => !originalValue(d) && String(d.record?.value ?? '') !== '').length;
      violations.push(`${poison.kind}: ${hits.length} dead-letter records with its original bytes in ${dlqTopic(poison.topic)} (${inTopic.length} records there, ${lossy} with a value that is not base64)`);
      continue;
    }
    const d = hits[0];
    const problems: string[] = [];
    const key = typeof d.record?.key === 'string' ? Buffer.from(d.record.key, 'base64') : undefined;
    if (!key?.equals(poison.key)) problems.push('record key is not the original key as base64');
    if (!d.kafkaKey?.equals(poison.key)) problems.push('Kafka key is not the original key');
    for (const [name, bytes] of Object.entries(poison.headers)) if (!originalHeader(d, name)?.equals(bytes)) problems.push(`header ${name} not kept as its bytes in base64`);
    for (const field of ['error', 'topic', 'partition', 'offset', 'deadLetteredAt']) if (d.record?.[field] === undefined || d.record[field] === null) problems.push(`no ${field}`);
    if (!d.kafkaHeaders['x-dlq-error']?.length) problems.push('no x-dlq-error header');
    if (d.kafkaHeaders['x-original-topic']?.toString() !== String(d.record?.topic)) problems.push('x-original-topic header differs from the record topic');
    if (problems.length) violations.push(`${poison.kind}: ${problems.join('; ')}`);
    else matched += 1;
  }
  const strays = e.deadLetters.filter((d) => !claimed.has(d));
  for (const d of strays) violations.push(`unexpected dead letter in ${d.dlqTopic}: ${String(d.record?.error ?? d.decodeError).slice(0, 160)}`);
  return { invariant: 'every bad message in its DLQ exactly once, original bytes', violations: listed(violations), matched };
}

/** What the healthy subscriber must have seen of one saga: the sequences it is missing, repeated or out of order. */
function streamGaps(expected: number[], received: number[], typeOf: (seq: number) => string): string | null {
  if (received.length === expected.length && received.every((s, i) => s === expected[i])) return null;
  const seen = new Set(received);
  const missing = expected.filter((s) => !seen.has(s));
  const repeated = received.length - seen.size;
  const outOfOrder = received.some((s, i) => i > 0 && s < received[i - 1]);
  const which = missing.slice(0, 4).map((s) => `${s} ${typeOf(s)}`).join(', ');
  return `${missing.length} of ${expected.length} events missing${missing.length ? ` (${which})` : ''}, ${repeated} repeated${outOfOrder ? ', out of order' : ''}`;
}

/** The stream a healthy subscriber should have received, from the database. */
export async function expectedStreams(db: Pool, sagaIds: string[]): Promise<{ all: Map<string, number[]>; steps: Map<string, number[]>; types: Map<string, string> }> {
  const { rows } = await db.query<{ saga_id: string; seq: number; step: string | null; type: string }>('select saga_id, seq, step, type from saga_event where saga_id = any($1::uuid[]) order by saga_id, seq', [sagaIds]);
  const all = new Map<string, number[]>();
  const steps = new Map<string, number[]>();
  const types = new Map<string, string>();
  for (const r of rows) {
    types.set(`${r.saga_id}/${r.seq}`, `${r.type}${r.step ? `(${r.step})` : ''}`);
    all.set(r.saga_id, [...(all.get(r.saga_id) ?? []), r.seq]);
    if (r.step !== null) steps.set(r.saga_id, [...(steps.get(r.saga_id) ?? []), r.seq]);
  }
  return { all, steps, types };
}

export async function streamComplete(e: Evidence, sagas: Map<string, SagaRow>): Promise<CheckResult & { missingSagas: number; reorderedSagas: number; checkedAfter: number }> {
  const violations: string[] = [];
  const ids = e.orders.flatMap((o) => (sagas.get(o.orderId) ? [sagas.get(o.orderId)!.id] : []));
  const expected = await expectedStreams(e.db, ids);
  let missingSagas = 0;
  let reorderedSagas = 0;
  for (const id of ids) {
    const received = e.subscriber.feed.get(id) ?? [];
    // The feed is in commit order (README, "Resumable live streams"), so each saga's events come
    // in sequence order: missing, repeated and reordered events are all violations.
    const gap = streamGaps(expected.all.get(id) ?? [], [...received].sort((a, b) => a - b), (seq) => expected.types.get(`${id}/${seq}`) ?? '?');
    if (gap) { missingSagas += 1; violations.push(`sagaEventFeed, saga ${id}: ${gap}`); }
    else if (received.some((seq, i) => i > 0 && seq < received[i - 1])) {
      reorderedSagas += 1;
      if (reorderedSagas <= 3) violations.push(`sagaEventFeed, saga ${id}: out of sequence order (${received.join(', ')})`);
    }
  }
  if (reorderedSagas > 0) violations.push(`sagaEventFeed out of sequence order for ${reorderedSagas} of ${ids.length} sagas`);
  if (e.window.liveStepsMustBeComplete && e.subscriber.reconnects === 0) {
    let stepGaps = 0;
    for (const id of ids) {
      const gap = streamGaps(expected.steps.get(id) ?? [], e.subscriber.steps.get(id) ?? [], (seq) => expected.types.get(`${id}/${seq}`) ?? '?');
      if (gap) { stepGaps += 1; if (stepGaps <= 3) violations.push(`sagaStepUpdated, saga ${id}: ${gap}`); }
    }
    if (stepGaps > 0) violations.push(`sagaStepUpdated incomplete for ${stepGaps} of ${ids.length} sagas`);
  }
  // Live streams must work again after any fault, for the subscriber connected now: every saga
  // placed after the fault (and after it connected) shows all its step events on sagaStepUpdated.
  const connectedAt = e.subscriber.connectedAt;
  const liveFrom = Math.max(e.window.endedAt + 2_000, (connectedAt ?? Infinity) + 500);
  const after = e.orders.filter((o) => o.placedAt > liveFrom && sagas.get(o.orderId)).map((o) => sagas.get(o.orderId)!.id);
  const silent = after.filter((id) => streamGaps(expected.steps.get(id) ?? [], e.subscriber.steps.get(id) ?? [], () => '') !== null);
  if (connectedAt === null) violations.push('the healthy subscriber is not connected after the fault');
  else if (silent.length) violations.push(`sagaStepUpdated after the fault: ${silent.length} of ${after.length} sagas started later incomplete (live updates lost after the fault)`);
  if (e.subscriber.errors.length && e.window.liveStepsMustBeComplete) violations.push(`healthy subscriber errors: ${e.subscriber.errors.slice(0, 3).join(' | ')}`);
  return { invariant: 'the healthy subscriber saw every change of its sagas in order', violations: listed(violations), missingSagas, reorderedSagas, checkedAfter: after.length };
}

/** /ready said 503 while a dependency was down (after a few seconds to notice) and 200 after. */
export function readyTellsTheTruth(e: Evidence, noticeMs = 5_000): CheckResult {
  const violations: string[] = [];
  const { downFrom, downTo, readyMustDrop } = e.window;
  if (readyMustDrop && downFrom !== undefined && downTo !== undefined) {
    const during = e.readySamples.filter((s) => s.at >= downFrom + noticeMs && s.at + 3_000 <= downTo);
    const ok = during.filter((s) => s.status === 200);
    if (during.length === 0) violations.push('no /ready sample while the dependency was down');
    else if (!during.some((s) => s.status === 503)) violations.push(`/ready never said 503 while the dependency was down (${during.length} samples: ${summarize(during)})`);
    if (ok.length) violations.push(`/ready said 200 ${ok.length} times while the dependency was down, e.g. ${JSON.stringify(ok[0].body)}`);
  }
  const notReady = e.finalReady.filter((s) => s.status !== 200);
  if (e.finalReady.length === 0) violations.push('no instance answered /ready after the fault');
  for (const s of notReady) violations.push(`after the fault ${s.url}/ready is ${s.status}: ${JSON.stringify(s.body)}`);
  return { invariant: '/ready 503 while a dependency is down, 200 after', violations: listed(violations) };
}

function summarize(samples: ReadySample[]): string {
  const byStatus: Record<string, number> = {};
  for (const s of samples) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
  return Object.entries(byStatus).map(([k, v]) => `${k}x${v}`).join(' ');
}
