/**
 * A stream of mixed orders placed by the simulated Order service while a fault happens: every
 * kind the participants can play (success, coupon, split, payment failure, late and duplicate
 * replies, ...), each with the final status it must reach.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CreateOrderInput, Participants } from '../../../src/participants';
import type { OrderCreated } from '../../../src/sagas/order/contract';

export interface OrderKind {
  name: string;
  input: CreateOrderInput;
  /** The saga's final status; the Order service gets OrderApproved for COMPLETED, else OrderCancelled. */
  expected: string;
}

export const ORDER_MIX: readonly OrderKind[] = [
  { name: 'success', input: {}, expected: 'COMPLETED' },
  { name: 'coupon', input: { couponCode: 'SAVE10' }, expected: 'COMPLETED' },
  { name: 'split', input: { payments: [{ paymentMethod: 'CREDIT_CARD', amount: '30.00' }, { paymentMethod: 'GIFT_CARD' }] }, expected: 'COMPLETED' },
  { name: 'payment-failure', input: { scenario: 'fail-payment', couponCode: 'SAVE10' }, expected: 'PAYMENT_FAILED' },
  { name: 'split-part-fails', input: { scenario: 'fail-payment-part:GIFT_CARD', payments: [{ paymentMethod: 'CREDIT_CARD', amount: '30.00' }, { paymentMethod: 'GIFT_CARD' }] }, expected: 'PAYMENT_FAILED' },
  { name: 'late-payment', input: { scenario: 'late:ProcessPayment' }, expected: 'COMPLETED' },
  { name: 'duplicate-replies', input: { scenario: 'duplicate-replies', couponCode: 'SAVE10' }, expected: 'COMPLETED' },
  { name: 'out-of-stock', input: { scenario: 'fail-reservation' }, expected: 'INVENTORY_ERROR' },
  { name: 'coupon-rejected', input: { scenario: 'reject-coupon', couponCode: 'SAVE10' }, expected: 'COMPLETED' },
  { name: 'confirmation-fails', input: { scenario: 'fail-confirmation', couponCode: 'SAVE10' }, expected: 'APPROVAL_FAILED' },
];

export interface PlacedOrder {
  orderId: string;
  kind: OrderKind;
  /** The OrderCreated as last published (its eventId changes when a publish had to be retried). */
  message: OrderCreated;
  placedAt: number;
  /** Publish attempts that failed before one succeeded (the broker was down). */
  failedAttempts: number;
}

export class OrderStream {
  readonly orders: PlacedOrder[] = [];
  /** Orders whose OrderCreated could not be published before the stream stopped. */
  readonly unplaced: string[] = [];
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<Promise<void>>();
  private sequence = 0;
  private stopping = false;

  constructor(private readonly participants: Participants, private readonly everyMs: number) {}

  start(): void {
    this.timer = setInterval(() => this.placeNext(), this.everyMs);
  }

  /** Places `count` orders at once (bursts for the slow-subscriber fault). */
  burst(count: number): void {
    for (let i = 0; i < count; i++) this.placeNext();
  }

  private placeNext(): void {
    const kind = ORDER_MIX[this.sequence++ % ORDER_MIX.length];
    const p = this.place(kind);
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /**
   * Publishes one order, retrying while the broker is unreachable with the same orderId (a
   * retried OrderCreated may land twice; the orchestrator keeps one saga per order).
   */
  private async place(kind: OrderKind): Promise<void> {
    const orderId = crypto.randomUUID();
    let failedAttempts = 0;
    for (;;) {
      try {
        const message = await this.participants.createOrder({ ...kind.input, orderId });
        this.orders.push({ orderId, kind, message, placedAt: Date.now(), failedAttempts });
        return;
      } catch {
        failedAttempts += 1;
        if (this.stopping && failedAttempts > 30) {
          this.unplaced.push(orderId);
          return;
        }
        await sleep(1000);
      }
    }
  }

  /** Stops placing and waits for the placements under way (they may wait for the broker). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping = true;
    await Promise.allSettled([...this.pending]);
  }

  count(): number {
    return this.orders.length;
  }
}
