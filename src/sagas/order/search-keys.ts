import type { SagaSearchKeys } from '../../runtime/ports/saga-module';

const text = (v: unknown) => (typeof v === 'string' ? v : null);

/** Distinct payment methods of `data.payments` (a single payment is one part); null when the saga data has none. */
export function paymentMethods(data: unknown): string[] | null {
  const payments = (data as { payments?: unknown } | null)?.payments;
  if (!Array.isArray(payments)) return null;
  const methods = payments
    .map((p) => (p as { paymentMethod?: unknown } | null)?.paymentMethod)
    .filter((m): m is string => typeof m === 'string' && m !== '');
  return [...new Set(methods)];
}

/** What an order saga exposes to search: its order (the business key), customer, amounts, currency and payment methods. */
export function orderSearchKeys(orderId: string, data: unknown): SagaSearchKeys {
  const d = (data ?? {}) as Record<string, unknown>;
  return {
    orderId, customerId: text(d.customerId), totalAmount: text(d.totalAmount), finalAmount: text(d.finalAmount),
    currency: text(d.currency), paymentMethods: paymentMethods(data),
  };
}
