/**
 * What the simulated services did, per order: the effects a real service would have to keep
 * exactly-once (a reservation, a coupon use, a charge, a refund), so tests and benchmarks can
 * check that no effect was applied twice and that every failed order was fully compensated.
 */
import { add, isZero, subtract, sum } from '../core/money';
import type { OrderCancelledStatus, OrderItem, PaymentPart } from '../sagas/order/contract';

export type ServiceName = 'order' | 'product' | 'promotion' | 'payment';

export interface Reservation {
  reservationId: string;
  products: { productId: string; sku: string; quantity: number }[];
  released: boolean;
  confirmed: boolean;
}
export interface CouponUse {
  couponCode: string;
  amount: string;
  discountAmount: string;
  finalAmount: string;
  cancelled: boolean;
}
export interface Charge {
  paymentId: string;
  transactionId: string;
  paymentMethod: string;
  amount: string;
  refunded: boolean;
}
export interface Refund {
  paymentId: string;
  amount: string;
}

export type OrderOutcome =
  | { result: 'APPROVED'; finalAmount: string; currency: string; paymentIds: string[] }
  | { result: 'CANCELLED'; status: OrderCancelledStatus; reason: string };

export interface OrderRecord {
  orderId: string;
  /** Set when this instance created the order. */
  created: { customerId: string; totalAmount: string; currency: string; couponCode: string | null; payments: PaymentPart[]; items: OrderItem[] } | null;
  reservations: Reservation[];
  reservationFailures: number;
  /** Every ReleaseInventory applied (a second release of one reservation is a problem). */
  releases: { reservationId: string; reason: string }[];
  confirmations: string[];
  confirmationFailures: number;
  coupons: CouponUse[];
  couponRejections: number;
  couponCancellations: { couponCode: string; reason: string }[];
  charges: Charge[];
  paymentFailures: { paymentMethod: string; amount: string; reason: string }[];
  refunds: Refund[];
  outcome: OrderOutcome | null;
  /** Outcome events received; more than one is a problem. */
  outcomes: number;
  /** Things a real service would reject or flag: double release, refund of an unknown payment, ... */
  problems: string[];
}

/** A plain snapshot, with what is still in effect worked out. */
export interface OrderView extends OrderRecord {
  /** Charged minus refunded. */
  netCharged: string;
  /** Charges not refunded: for a finished order exactly the payments its saga kept (none if cancelled). */
  openCharges: Charge[];
  openReservations: string[];
  activeCoupons: string[];
}

export interface Counters {
  received: number;
  duplicates: number;
  resent: number;
  invalid: number;
  silenced: number;
  ignored: number;
  replies: number;
}

const zeroCounters = (): Counters => ({ received: 0, duplicates: 0, resent: 0, invalid: 0, silenced: 0, ignored: 0, replies: 0 });

export class Ledger {
  private readonly orders = new Map<string, OrderRecord>();
  private readonly counters: Record<ServiceName, Counters> = {
    order: zeroCounters(),
    product: zeroCounters(),
    promotion: zeroCounters(),
    payment: zeroCounters(),
  };

  /** The mutable record (services only). */
  record(orderId: string): OrderRecord {
    let r = this.orders.get(orderId);
    if (!r) {
      r = {
        orderId, created: null, reservations: [], reservationFailures: 0, releases: [], confirmations: [], confirmationFailures: 0,
        coupons: [], couponRejections: 0, couponCancellations: [], charges: [], paymentFailures: [], refunds: [],
        outcome: null, outcomes: 0, problems: [],
      };
      this.orders.set(orderId, r);
    }
    return r;
  }

  count(service: ServiceName, counter: keyof Counters, n = 1): void {
    this.counters[service][counter] += n;
  }

  // --- read side (tests, benchmarks) ---------------------------------------------------------

  /** A copy of everything known about the order, or undefined if nothing happened to it. */
  order(orderId: string): OrderView | undefined {
    const r = this.orders.get(orderId);
    if (!r) return undefined;
    const copy = structuredClone(r);
    return {
      ...copy,
      netCharged: subtract(sum(r.charges.map((c) => c.amount)), sum(r.refunds.map((x) => x.amount))),
      openCharges: copy.charges.filter((c) => !c.refunded),
      openReservations: r.reservations.filter((x) => !x.released).map((x) => x.reservationId),
      activeCoupons: r.coupons.filter((c) => !c.cancelled).map((c) => c.couponCode),
    };
  }

  orderIds(): string[] {
    return [...this.orders.keys()];
  }

  serviceCounters(service: ServiceName): Counters {
    return { ...this.counters[service] };
  }

  totals() {
    const c = zeroCounters();
    for (const s of Object.values(this.counters)) for (const k of Object.keys(c) as (keyof Counters)[]) c[k] += s[k];
    let charged = '0.00';
    let refunded = '0.00';
    const t = {
      orders: this.orders.size, ordersCreated: 0, reservations: 0, releases: 0, confirmations: 0, couponsApplied: 0, couponsCancelled: 0,
      charges: 0, refunds: 0, approved: 0, cancelled: 0, problems: 0,
    };
    for (const r of this.orders.values()) {
      if (r.created) t.ordersCreated += 1;
      t.reservations += r.reservations.length;
      t.releases += r.releases.length;
      t.confirmations += r.confirmations.length;
      t.couponsApplied += r.coupons.length;
      t.couponsCancelled += r.couponCancellations.length;
      t.charges += r.charges.length;
      t.refunds += r.refunds.length;
      if (r.outcome?.result === 'APPROVED') t.approved += 1;
      if (r.outcome?.result === 'CANCELLED') t.cancelled += 1;
      t.problems += r.problems.length;
      for (const ch of r.charges) charged = add(charged, ch.amount);
      for (const rf of r.refunds) refunded = add(refunded, rf.amount);
    }
    return { ...c, ...t, charged, refunded, netCharged: subtract(charged, refunded) };
  }

  /** Orders with recorded problems, for a quick assertion in tests. */
  problems(): { orderId: string; problems: string[] }[] {
    return [...this.orders.values()].filter((r) => r.problems.length > 0).map((r) => ({ orderId: r.orderId, problems: [...r.problems] }));
  }
}

export type LedgerTotals = ReturnType<Ledger['totals']>;

/** True when nothing of the order is still in effect: no charge kept, no reservation held, no coupon used. */
export function fullyCompensated(view: OrderView): boolean {
  return isZero(view.netCharged) && view.openReservations.length === 0 && view.activeCoupons.length === 0;
}
