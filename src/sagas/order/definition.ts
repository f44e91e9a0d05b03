/**
 * The seed's order saga: reserve inventory → apply coupon (if any) → pay (single or split) →
 * confirm inventory → OrderApproved. Compensation undoes payment, coupon and reservation in
 * reverse; the order is told the outcome with OrderCancelled { status, reason }.
 */
import type {
  CommandSpec,
  CompensationReplyHandler,
  ReplyHandler,
  ReplyOutcome,
  ReportedEffect,
  RetryPolicy,
  SagaDefinition,
  StepDefinition,
} from '../../core/definition';
import { compare, isNegative, isZero, normalize, subtract } from '../../core/money';
import type { SagaStatus } from '../../core/state';
import { EVENT_TYPE_TOPIC, ORDER_CANCELLED_STATUSES, type EventType, type MessageOf, type OrderCancelledStatus, type PayloadOf } from './contract';
import { isSplitPayment, payableParts, refundableParts, type OrderSagaData, type PaymentPartState } from './data';

export const ORDER_SAGA_NAME = 'order';
export const ORDER_SAGA_VERSION = 1;
export const ORDER_STEPS = ['reserveInventory', 'applyCoupon', 'processPayment', 'confirmInventory'] as const;
export type OrderStepName = (typeof ORDER_STEPS)[number];

/** What to do when the Promotion service rejects the coupon (the seed leaves it to config). */
export type CouponPolicy = 'continue' | 'fail';

export interface OrderSagaOptions {
  couponPolicy: CouponPolicy;
  /** Per-step reply timeout per attempt; default 30 s. */
  timeoutsMs?: Partial<Record<OrderStepName, number>>;
  retry?: Partial<RetryPolicy>;
  /**
   * Default ORDER_SAGA_VERSION. A deploy that changes the options above while sagas run gives
   * the changed definition a new version and keeps registering the old one (README, "Versions
   * and fingerprints").
   */
  version?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  initialBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
};
export const DEFAULT_TIMEOUT_MS = 30_000;

type Data = OrderSagaData;

function command<K extends EventType>(eventType: K, payload: PayloadOf<K>): CommandSpec {
  return { topic: EVENT_TYPE_TOPIC[eventType], eventType, payload: payload as Record<string, unknown> };
}

/** Replies reach handlers already validated against the contract; this restores their type. */
function on<K extends EventType>(_type: K, handle: (data: Data, reply: MessageOf<K>) => ReplyOutcome<Data>): ReplyHandler<Data> {
  return (data, reply) => handle(data, reply as unknown as MessageOf<K>);
}

function onUndo<K extends EventType>(
  _type: K,
  handle: (data: Data, reply: MessageOf<K>) => { done: boolean; data: Data },
): CompensationReplyHandler<Data> {
  return (data, reply) => handle(data, reply as unknown as MessageOf<K>);
}

function paidPart(p: MessageOf<'PaymentProcessed'>): PaymentPartState {
  return {
    paymentMethod: p.paymentMethod,
    amount: normalize(p.amount),
    status: 'SUCCEEDED',
    paymentId: p.paymentId,
    transactionId: p.transactionId,
    reason: null,
  };
}

function splitParts(reply: MessageOf<'SplitPayment'>): PaymentPartState[] {
  return reply.payments.map((p) => ({
    paymentMethod: p.paymentMethod,
    amount: normalize(p.amount),
    status: p.status,
    paymentId: p.paymentId ?? null,
    transactionId: p.transactionId ?? null,
    reason: p.reason ?? null,
  }));
}

function withPayments(data: Data, parts: PaymentPartState[]): Data {
  const paymentIds = parts.flatMap((p) => (p.status === 'SUCCEEDED' && p.paymentId ? [p.paymentId] : []));
  return { ...data, paymentParts: parts, paymentIds };
}

/** The charges a payment reply reports that the saga does not hold (kept, or already refunded). */
function unkeptCharges(data: Data, reply: MessageOf<'PaymentProcessed' | 'SplitPayment' | 'PaymentFailed'>): ReportedEffect[] {
  if (reply.eventType === 'PaymentFailed') return [];
  const known = new Set([...data.paymentIds, ...data.paymentParts.flatMap((p) => (p.paymentId ? [p.paymentId] : []))]);
  const charged = reply.eventType === 'PaymentProcessed' ? [paidPart(reply)] : splitParts(reply);
  return charged
    .filter((p) => p.status === 'SUCCEEDED' && p.paymentId !== null && !known.has(p.paymentId))
    .map((p) => ({ key: p.paymentId!, detail: { amount: p.amount, paymentMethod: p.paymentMethod, transactionId: p.transactionId } }));
}

/** Why a coupon's amounts cannot be charged, or null: 0 <= discount <= total, final = total - discount. */
function discountProblem(total: string, discount: string, final: string): string | null {
  if (isNegative(discount) || compare(discount, total) > 0) return `discount ${discount} outside 0..${total}`;
  if (compare(final, subtract(total, discount)) !== 0) return `final amount ${final} instead of ${subtract(total, discount)}`;
  return null;
}

function because(context: { status: SagaStatus; reason: string }): string {
  return `${context.status}: ${context.reason}`;
}

export function orderSagaDefinition(options: OrderSagaOptions): SagaDefinition<Data> {
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const timeoutMs = (step: OrderStepName) => options.timeoutsMs?.[step] ?? DEFAULT_TIMEOUT_MS;

  const reserveInventory: StepDefinition<Data> = {
    name: 'reserveInventory',
    participant: 'Product',
    description: 'Reserve stock for every item of the order.',
    invoke: (data) => [command('ReserveInventory', { items: data.items })],
    replies: {
      ProductReserved: on('ProductReserved', (data, r) => ({ kind: 'succeeded', data: { ...data, reservationId: r.reservationId } })),
      ProductReservationFailed: on('ProductReservationFailed', (_data, r) => ({ kind: 'failed', reason: r.reason })),
    },
    compensation: {
      when: (data) => data.reservationId !== null,
      commands: (data, context) => [
        command('ReleaseInventory', { reservationId: data.reservationId ?? '', reason: because(context) }),
      ],
      replies: {
        InventoryReleased: onUndo('InventoryReleased', (data, r) => ({ done: r.reservationId === data.reservationId, data })),
      },
    },
    retry,
    timeoutMs: timeoutMs('reserveInventory'),
    failureStatus: 'INVENTORY_ERROR',
    skippable: false,
    // Stock steps are routine for support staff.
    operatorRoles: { forward: ['operator', 'support'], compensation: ['operator', 'support'] },
  };

  const applyCoupon: StepDefinition<Data> = {
    name: 'applyCoupon',
    participant: 'Promotion',
    description: 'Apply the order’s coupon; a rejected coupon continues at full price or fails, by policy.',
    when: (data) => !!data.couponCode,
    invoke: (data) => [
      command('ApplyCoupon', {
        couponCode: data.couponCode ?? '',
        customerId: data.customerId,
        amount: data.totalAmount,
        currency: data.currency,
      }),
    ],
    replies: {
      CouponApplied: on('CouponApplied', (data, r) => {
        const applied = { ...data, couponApplied: true, discountAmount: normalize(r.discountAmount), finalAmount: normalize(r.finalAmount) };
        const problem = discountProblem(data.totalAmount, applied.discountAmount, applied.finalAmount);
        // Never charge an amount the order does not justify; the coupon that was applied is cancelled.
        if (problem) return { kind: 'failed', reason: `coupon ${r.couponCode} applied with ${problem}`, data: applied, compensateSelf: true };
        return { kind: 'succeeded', data: applied };
      }),
      CouponFailed: on('CouponFailed', (data, r) =>
        options.couponPolicy === 'continue'
          ? {
              kind: 'succeeded',
              data,
              warning: `coupon ${r.couponCode} rejected (${r.reason}); charging the full ${data.totalAmount} ${data.currency}`,
            }
          : { kind: 'failed', reason: `coupon ${r.couponCode} rejected: ${r.reason}` },
      ),
    },
    compensation: {
      // A rejected coupon under the 'continue' policy left nothing to undo.
      when: (data) => data.couponApplied,
      commands: (data, context) => [command('CancelCoupon', { couponCode: data.couponCode ?? '', reason: because(context) })],
      replies: {
        CouponCancelled: onUndo('CouponCancelled', (data, r) => ({ done: r.couponCode === data.couponCode, data })),
      },
    },
    retry,
    timeoutMs: timeoutMs('applyCoupon'),
    failureStatus: 'COUPON_ERROR',
    skippable: true,
    // A skipped coupon charges the full amount: only the Promotion service grants a discount, so a
    // skip may not set discountAmount or finalAmount (a discount given by hand is a refund, by finance).
    outputSchema: {
      type: 'object', additionalProperties: false, properties: {},
      description: 'nothing: a skipped coupon charges the full totalAmount',
    },
  };

  const processPayment: StepDefinition<Data> = {
    name: 'processPayment',
    participant: 'Payment',
    description: 'Charge the amount due, in one payment or split across several methods.',
    // A coupon that covers the whole order leaves nothing to charge.
    when: (data) => !isZero(data.finalAmount),
    invoke: (data) =>
      isSplitPayment(data)
        ? [command('ProcessSplitPayment', { payments: payableParts(data), currency: data.currency, customerId: data.customerId })]
        : [
            command('ProcessPayment', {
              amount: data.finalAmount,
              currency: data.currency,
              paymentMethod: data.payments[0].paymentMethod,
              customerId: data.customerId,
            }),
          ],
    replies: {
      PaymentProcessed: on('PaymentProcessed', (data, r) => ({ kind: 'succeeded', data: withPayments(data, [paidPart(r)]) })),
      PaymentFailed: on('PaymentFailed', (_data, r) => ({ kind: 'failed', reason: `payment of ${r.amount} by ${r.paymentMethod} failed: ${r.reason}` })),
      SplitPayment: on('SplitPayment', (data, r) => {
        const next = withPayments(data, splitParts(r));
        if (r.completed && next.paymentParts.every((p) => p.status === 'SUCCEEDED')) return { kind: 'succeeded', data: next };
        const failed = next.paymentParts.filter((p) => p.status === 'FAILED');
        const reason = `split payment failed: ${failed.map((p) => `${p.paymentMethod} ${p.amount}: ${p.reason ?? 'failed'}`).join(', ') || 'not completed'}`;
        // The parts that were charged must be refunded.
        return { kind: 'failed', reason, data: next, compensateSelf: refundableParts(next).length > 0 };
      }),
    },
    compensation: {
      when: (data) => refundableParts(data).length > 0,
      commands: (data, context) =>
        refundableParts(data).map((p) => command('RefundPayment', { paymentId: p.paymentId ?? '', amount: p.amount, reason: because(context) })),
      replies: {
        PaymentRefunded: onUndo('PaymentRefunded', (data, r) => {
          const parts = data.paymentParts.map((p) =>
            p.paymentId === r.paymentId && p.status === 'SUCCEEDED' ? { ...p, status: 'REFUNDED' as const } : p,
          );
          const next = { ...data, paymentParts: parts };
          return { done: refundableParts(next).length === 0, data: next };
        }),
      },
    },
    // A charge the saga does not keep (a second paymentId for one command, a payment after the
    // step gave up or was skipped) is refunded, whatever the saga's status (CONTRACT.md).
    unkept: {
      find: (data, reply) => unkeptCharges(data, reply as unknown as MessageOf<'PaymentProcessed' | 'SplitPayment' | 'PaymentFailed'>),
      undo: (charge, reason) => [command('RefundPayment', { paymentId: charge.key, amount: String(charge.detail.amount), reason })],
      replies: { PaymentRefunded: (r) => (r as unknown as MessageOf<'PaymentRefunded'>).paymentId },
    },
    retry,
    timeoutMs: timeoutMs('processPayment'),
    failureStatus: 'PAYMENT_FAILED',
    skippable: true,
    // Undoing a payment refunds money: finance only.
    operatorRoles: { compensation: ['finance'] },
    outputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['paymentIds'],
      properties: {
        paymentIds: {
          type: 'array', minItems: 1, maxItems: 20, uniqueItems: true,
          items: { type: 'string', minLength: 1, maxLength: 200 },
          description: 'payments taken by hand (e.g. a bank transfer reference): the saga keeps them, refunds nothing else',
        },
      },
    },
    applySkipOutput: (data, output) => {
      const ids = output.paymentIds;
      if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && id.length > 0)) {
        return { problems: ['paymentIds: must be a non-empty list of payment ids'] };
      }
      return { data: { ...data, paymentIds: ids as string[] } };
    },
  };

  const confirmInventory: StepDefinition<Data> = {
    name: 'confirmInventory',
    participant: 'Product',
    description: 'Turn the reservation into a sale.',
    invoke: (data) => [command('ConfirmInventory', { reservationId: data.reservationId ?? '' })],
    replies: {
      InventoryConfirmed: on('InventoryConfirmed', (data) => ({ kind: 'succeeded', data })),
      InventoryConfirmationFailed: on('InventoryConfirmationFailed', (_data, r) => ({
        kind: 'failed',
        reason: `inventory confirmation failed: ${r.reason ?? 'no reason given'}`,
      })),
    },
    retry,
    timeoutMs: timeoutMs('confirmInventory'),
    failureStatus: 'APPROVAL_FAILED',
    skippable: true,
    operatorRoles: { forward: ['operator', 'support'] },
    outputSchema: { type: 'object', additionalProperties: false, properties: {}, description: 'nothing: stock was confirmed by hand' },
  };

  return {
    name: ORDER_SAGA_NAME,
    version: options.version ?? ORDER_SAGA_VERSION,
    businessKeyField: 'orderId',
    steps: [reserveInventory, applyCoupon, processPayment, confirmInventory],
    onCompleted: (data) => [
      command('OrderApproved', { finalAmount: data.finalAmount, currency: data.currency, paymentIds: data.paymentIds }),
    ],
    onFailed: (_data, finalStatus, reason) => [command('OrderCancelled', { status: cancelledStatus(finalStatus), reason })],
    failureStatuses: ['INVENTORY_ERROR', 'COUPON_ERROR', 'PAYMENT_FAILED', 'APPROVAL_FAILED', 'TIMED_OUT', 'COMPENSATED'],
    // The order, its commands (ApplyCoupon, ProcessPayment) and its events carry the customer's id;
    // the contact fields are those of a richer Order service's order (the default list covers them too).
    personalFields: ['customerId', 'customerName', 'customerEmail', 'customerPhone', 'shippingAddress', 'billingAddress'],
    // The CouponFailed handler closes over it; timeouts and retry are in the steps already.
    settings: { couponPolicy: options.couponPolicy },
  };
}

function cancelledStatus(status: SagaStatus): OrderCancelledStatus {
  return (ORDER_CANCELLED_STATUSES as readonly string[]).includes(status) ? (status as OrderCancelledStatus) : 'COMPENSATED';
}
