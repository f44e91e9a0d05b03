/** What every benchmark run must get right, checked against the database and the participants' ledger. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'pg';
import { equals, sum } from '../../src/core/money';
import { fullyCompensated, type Participants } from '../../src/participants';
import type { OrderKind } from './mix';
import type { Observer } from './load';

export interface Check { name: string; ok: boolean; detail: string }

export interface SagaDbRow { order_id: string; status: string; created_ms: number; ended_ms: number | null }

export async function checkCorrectness(db: Client, observer: Observer, participants: Participants): Promise<{ checks: Check[]; rows: Map<string, SagaDbRow> }> {
  const checks: Check[] = [];
  const add = (name: string, bad: string[], total: number) => {
    checks.push({ name, ok: bad.length === 0, detail: bad.length === 0 ? `${total} ok` : `${bad.length} of ${total}: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '; ...' : ''}` });
  };
  const all = [...observer.tracked.values()];
  const ids = all.map((t) => t.order.orderId);

  add('every order got exactly one outcome event (client)', all.filter((t) => t.outcomeAt === null || t.outcomeEventIds.size !== 1)
    .map((t) => `${t.order.orderId} (${t.kind.name}): ${t.outcomeEventIds.size} outcome(s) ${t.outcomeTypes.join(',')}`), all.length);
  add('outcome is the one the scenario implies', all.filter((t) => t.outcomeAt !== null && t.outcomeStatus !== expectedOutcome(t.kind))
    .map((t) => `${t.order.orderId} (${t.kind.name}): got ${t.outcomeStatus}, expected ${expectedOutcome(t.kind)}`), all.length);

  const { rows } = await db.query<SagaDbRow>(
    `select order_id::text, status, (extract(epoch from created_at) * 1000)::float8 as created_ms,
            (extract(epoch from ended_at) * 1000)::float8 as ended_ms
     from saga_instance where order_id = any($1::uuid[])`, [ids]);
  const byOrder = new Map(rows.map((r) => [r.order_id, r]));
  add('every saga ended with the expected status (saga_instance)', all.filter((t) => {
    const r = byOrder.get(t.order.orderId);
    return !r || r.ended_ms === null || r.status !== t.kind.sagaStatus;
  }).map((t) => {
    const r = byOrder.get(t.order.orderId);
    return `${t.order.orderId} (${t.kind.name}): ${r ? `${r.status}${r.ended_ms === null ? ' not ended' : ''}` : 'no saga'}, expected ${t.kind.sagaStatus}`;
  }), all.length);
  add('one saga per order', rows.length !== all.length ? [`${rows.length} saga rows for ${all.length} orders`] : [], all.length);

  const problems = participants.ledger.problems();
  add('ledger problems', problems.map((p) => `${p.orderId}: ${p.problems.join(', ')}`), participants.ledger.orderIds().length);

  const effects: string[] = [];
  const compensation: string[] = [];
  for (const t of all) {
    const v = participants.ledger.order(t.order.orderId);
    const id = `${t.order.orderId} (${t.kind.name})`;
    if (!v) { effects.push(`${id}: unknown to the ledger`); continue; }
    const parts = t.order.payments?.length ?? 1;
    const methods = v.charges.map((c) => c.paymentMethod);
    if (v.outcomes !== 1) effects.push(`${id}: Order service saw ${v.outcomes} outcomes`);
    if (v.reservations.length > 1) effects.push(`${id}: ${v.reservations.length} reservations`);
    if (v.releases.length > v.reservations.length) effects.push(`${id}: ${v.releases.length} releases of ${v.reservations.length} reservations`);
    if (v.confirmations.length > 1) effects.push(`${id}: ${v.confirmations.length} confirmations`);
    if (v.coupons.length > 1) effects.push(`${id}: ${v.coupons.length} coupon uses`);
    if (v.couponCancellations.length > v.coupons.length) effects.push(`${id}: ${v.couponCancellations.length} coupon cancellations`);
    if (new Set(methods).size !== methods.length || methods.length > parts) effects.push(`${id}: charges ${methods.join(',')} for ${parts} part(s)`);
    if (new Set(v.refunds.map((r) => r.paymentId)).size !== v.refunds.length || v.refunds.length > v.charges.length) effects.push(`${id}: ${v.refunds.length} refunds of ${v.charges.length} charges`);
    if (v.outcome?.result === 'APPROVED') {
      if (v.refunds.length > 0 || v.releases.length > 0 || v.couponCancellations.length > 0) effects.push(`${id}: approved but compensated`);
      if (v.confirmations.length !== 1 || v.charges.length !== parts) effects.push(`${id}: approved with ${v.confirmations.length} confirmations, ${v.charges.length}/${parts} charges`);
      if (!equals(v.netCharged, v.outcome.finalAmount)) effects.push(`${id}: charged ${v.netCharged}, approved ${v.outcome.finalAmount}`);
      const expected = t.kind.input.couponCode ? null : t.order.totalAmount;
      if (expected && !equals(sum(v.charges.map((c) => c.amount)), expected)) effects.push(`${id}: charged ${v.netCharged} of ${expected}`);
    } else if (v.outcome?.result === 'CANCELLED') {
      if (!fullyCompensated(v)) compensation.push(`${id}: net charged ${v.netCharged}, open reservations ${v.openReservations.length}, active coupons ${v.activeCoupons.length}`);
    }
  }
  add('no duplicate or missing effects (ledger)', effects, all.length);
  const cancelled = all.filter((t) => t.kind.outcome.result === 'CANCELLED').length;
  add('every cancelled order fully compensated', compensation, cancelled);

  // The last outcome can be followed by nothing: give the relay a moment, then nothing is pending.
  let pending = -1;
  for (let i = 0; i < 25 && pending !== 0; i++) {
    if (i > 0) await sleep(200);
    pending = Number((await db.query<{ n: string }>('select count(*) as n from outbox_message where published_at is null')).rows[0].n);
  }
  add('outbox fully published', pending > 0 ? [`${pending} outbox rows unpublished`] : [], 1);
  const dlq = (await db.query<{ topic: string; n: string }>(`select topic, count(*) as n from outbox_message where topic like '%.dlq' group by topic`)).rows;
  add('no dead letters', dlq.map((r) => `${r.n} on ${r.topic}`), 1);
  add('no outcome for an order the bench did not place', observer.unknownOutcomes > 0 ? [`${observer.unknownOutcomes} unknown outcome events`] : [], 1);
  return { checks, rows: byOrder };
}

function expectedOutcome(kind: OrderKind): string {
  return kind.outcome.result === 'APPROVED' ? 'APPROVED' : `CANCELLED:${kind.outcome.status}`;
}

