/** What the order saga knows about its order, carried in the saga state (plain JSON). */
import { min, subtract, toUnits, isZero, normalize } from '../../core/money';
import type { OrderCreated, OrderItem, PaymentPart } from './contract';

export type PaymentPartStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'REFUNDED';

/** One charge as the Payment service reported it. */
export interface PaymentPartState {
  paymentMethod: string;
  amount: string;
  status: PaymentPartStatus;
  paymentId: string | null;
  transactionId: string | null;
  reason: string | null;
}

export interface OrderSagaData {
  orderId: string;
  customerId: string;
  orderNumber: string;
  currency: string;
  items: OrderItem[];
  totalAmount: string;
  couponCode: string | null;
  /** As ordered; a single payment is one part. */
  payments: PaymentPart[];
  couponApplied: boolean;
  discountAmount: string;
  /** The amount due after the discount. */
  finalAmount: string;
  reservationId: string | null;
  paymentIds: string[];
  paymentParts: PaymentPartState[];
}

/** The saga data for a validated OrderCreated. `payments[]` wins over `paymentMethod`. */
export function orderSagaData(order: OrderCreated): OrderSagaData {
  const payments = order.payments?.length
    ? order.payments.map((p) => ({ paymentMethod: p.paymentMethod, amount: normalize(p.amount) }))
    : [{ paymentMethod: order.paymentMethod ?? '', amount: normalize(order.totalAmount) }];
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    orderNumber: order.orderNumber,
    currency: order.currency,
    items: order.items,
    totalAmount: normalize(order.totalAmount),
    couponCode: order.couponCode ?? null,
    payments,
    couponApplied: false,
    discountAmount: '0.00',
    finalAmount: normalize(order.totalAmount),
    reservationId: null,
    paymentIds: [],
    paymentParts: [],
  };
}

export function isSplitPayment(data: OrderSagaData): boolean {
  return data.payments.length > 1;
}

/**
 * What to charge per part. A single payment pays the final amount. A split keeps the amounts
 * the customer chose, except that a discount comes off the last part(s) first; parts brought
 * to zero are dropped.
 */
export function payableParts(data: OrderSagaData): PaymentPart[] {
  if (!isSplitPayment(data)) return [{ paymentMethod: data.payments[0].paymentMethod, amount: data.finalAmount }];
  let discountLeft = data.discountAmount;
  const parts = [...data.payments].reverse().map((part) => {
    if (toUnits(discountLeft) <= 0n) return part;
    const off = min(part.amount, discountLeft);
    discountLeft = subtract(discountLeft, off);
    return { ...part, amount: subtract(part.amount, off) };
  });
  return parts.reverse().filter((p) => !isZero(p.amount));
}

/** Parts charged and not yet refunded: what a payment compensation must give back. */
export function refundableParts(data: OrderSagaData): PaymentPartState[] {
  return data.paymentParts.filter((p) => p.status === 'SUCCEEDED' && p.paymentId !== null);
}
