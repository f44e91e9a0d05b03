/** The outcome mix the benchmark offers, and what each kind of order must end as. */
import type { CreateOrderInput } from '../../src/participants';
import { seededRandom, shuffle } from './stats';

export interface OrderKind {
  name: string;
  /** Share of the orders, in percent. */
  weight: number;
  input: CreateOrderInput;
  /** Final saga status (saga_instance.status). */
  sagaStatus: string;
  /** What the Order service must receive. */
  outcome: { result: 'APPROVED' } | { result: 'CANCELLED'; status: string };
}

export const ORDER_MIX: OrderKind[] = [
  { name: 'happy-single', weight: 80, input: {}, sagaStatus: 'COMPLETED', outcome: { result: 'APPROVED' } },
  {
    name: 'split', weight: 5,
    input: { payments: [{ paymentMethod: 'CREDIT_CARD' }, { paymentMethod: 'WALLET' }] },
    sagaStatus: 'COMPLETED', outcome: { result: 'APPROVED' },
  },
  { name: 'coupon', weight: 5, input: { couponCode: 'SAVE10' }, sagaStatus: 'COMPLETED', outcome: { result: 'APPROVED' } },
  {
    name: 'fail-payment', weight: 3, input: { scenario: 'fail-payment', couponCode: 'SAVE10' },
    sagaStatus: 'PAYMENT_FAILED', outcome: { result: 'CANCELLED', status: 'PAYMENT_FAILED' },
  },
  {
    name: 'fail-reservation', weight: 3, input: { scenario: 'fail-reservation' },
    sagaStatus: 'INVENTORY_ERROR', outcome: { result: 'CANCELLED', status: 'INVENTORY_ERROR' },
  },
  {
    name: 'fail-confirmation', weight: 2, input: { scenario: 'fail-confirmation', couponCode: 'SAVE10' },
    sagaStatus: 'APPROVAL_FAILED', outcome: { result: 'CANCELLED', status: 'APPROVAL_FAILED' },
  },
  {
    name: 'split-failed-part', weight: 2,
    input: { scenario: 'fail-payment-part:GIFT_CARD', payments: [{ paymentMethod: 'CREDIT_CARD' }, { paymentMethod: 'GIFT_CARD' }] },
    sagaStatus: 'PAYMENT_FAILED', outcome: { result: 'CANCELLED', status: 'PAYMENT_FAILED' },
  },
];

/**
 * `n` order kinds in a shuffled, reproducible order with exact counts (largest remainder). When
 * n is at least the number of kinds every kind appears at least once, so a smoke run covers all.
 */
export function planMix(n: number, seed: number, mix: OrderKind[] = ORDER_MIX): OrderKind[] {
  const total = mix.reduce((a, k) => a + k.weight, 0);
  const floor = n >= mix.length ? 1 : 0;
  const counts = mix.map((k) => Math.max(floor, Math.floor((n * k.weight) / total)));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const byRemainder = mix
    .map((k, i) => ({ i, rem: (n * k.weight) / total - Math.floor((n * k.weight) / total) }))
    .sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (let j = 0; left > 0; j = (j + 1) % byRemainder.length, left--) counts[byRemainder[j].i] += 1;
  // Too many after the minimum of one each: take back from the largest kind.
  while (left < 0) {
    const largest = counts.indexOf(Math.max(...counts));
    counts[largest] -= 1;
    left += 1;
  }
  const plan = mix.flatMap((k, i) => Array.from({ length: counts[i] }, () => k));
  return shuffle(plan, seededRandom(seed));
}
