/**
 * The order saga's wire contract with the Order, Product, Promotion and Payment services
 * (docs: /CONTRACT.md), as zod schemas in the envelope of messaging/contract.ts. Inferred types
 * are exported for each message.
 */
import { z } from 'zod';
import {
  CurrencySchema, IsoDateTimeSchema, MoneySchema, OwnReason, Reason, Text, envelopeSchema, wireOf,
  type WireContract,
} from '../../messaging/contract';
import { orderAmountIssues } from './amounts';

/** Every topic of the contract, inbound and outbound. */
export const TOPICS = {
  // into the orchestrator
  orderCreated: 'order-created-events',
  productReserved: 'product-reserved-events',
  productReservationFailed: 'product-reservation-failed-events',
  couponApplied: 'coupon-applied-events',
  couponFailed: 'coupon-failed-events',
  paymentProcessed: 'payment-processed-events',
  paymentFailed: 'payment-failed-events',
  splitPaymentProcessed: 'split-payment-processed-events',
  inventoryConfirmed: 'inventory-confirmed-events',
  compensation: 'compensation-events',
  // from the orchestrator
  reserveInventory: 'reserve-inventory-commands',
  confirmInventory: 'confirm-inventory-commands',
  releaseInventory: 'release-inventory-commands',
  applyCoupon: 'apply-coupon-commands',
  cancelCoupon: 'cancel-coupon-commands',
  processPayment: 'process-payment-commands',
  refundPayment: 'refund-payment-commands',
  orderApproved: 'order-approved-events',
  orderCancelled: 'order-cancelled-events',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** Topics the orchestrator consumes. */
export const INBOUND_TOPICS: readonly Topic[] = [
  TOPICS.orderCreated,
  TOPICS.productReserved,
  TOPICS.productReservationFailed,
  TOPICS.couponApplied,
  TOPICS.couponFailed,
  TOPICS.paymentProcessed,
  TOPICS.paymentFailed,
  TOPICS.splitPaymentProcessed,
  TOPICS.inventoryConfirmed,
  TOPICS.compensation,
];

/** Topics the orchestrator produces (participants consume them). */
export const OUTBOUND_TOPICS: readonly Topic[] = [
  TOPICS.reserveInventory,
  TOPICS.confirmInventory,
  TOPICS.releaseInventory,
  TOPICS.applyCoupon,
  TOPICS.cancelCoupon,
  TOPICS.processPayment,
  TOPICS.refundPayment,
  TOPICS.orderApproved,
  TOPICS.orderCancelled,
];

export const ALL_TOPICS: readonly Topic[] = [...INBOUND_TOPICS, ...OUTBOUND_TOPICS];

/** The order saga's envelope: the common fields with the order id, its business key. */
export const OrderEnvelopeSchema = envelopeSchema('orderId');
export type Envelope = z.infer<typeof OrderEnvelopeSchema>;
/** Envelope field names; everything else in a message is its payload. */
export const ENVELOPE_FIELDS = Object.keys(OrderEnvelopeSchema.shape) as (keyof Envelope)[];

function message<T extends string, S extends z.ZodRawShape>(eventType: T, payload: S) {
  return OrderEnvelopeSchema.extend({ eventType: z.literal(eventType), ...payload });
}

export const OrderItemSchema = z.object({
  productId: Text,
  sku: Text,
  quantity: z.number().int().positive(),
  unitPrice: MoneySchema,
});
export type OrderItem = z.infer<typeof OrderItemSchema>;

export const PaymentPartSchema = z.object({ paymentMethod: Text, amount: MoneySchema });
export type PaymentPart = z.infer<typeof PaymentPartSchema>;

// ---------------------------------------------------------------------------------------------
// Events into the orchestrator

export const OrderCreatedSchema = message('OrderCreated', {
  customerId: Text,
  orderNumber: Text,
  currency: CurrencySchema,
  items: z.array(OrderItemSchema).min(1),
  totalAmount: MoneySchema,
  couponCode: Text.nullish(),
  paymentMethod: Text.nullish(),
  payments: z.array(PaymentPartSchema).min(1).nullish(),
}).superRefine((m, ctx) => {
  // Either one payment method or a split; never neither.
  if (!m.paymentMethod && !m.payments?.length) {
    ctx.addIssue({ code: 'custom', path: ['paymentMethod'], message: 'either paymentMethod or payments[] is required' });
  }
  // Money: a positive total that the items add up to; split parts positive, adding up to it.
  for (const issue of orderAmountIssues(m)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

export const ProductReservedSchema = message('ProductReserved', {
  reservationId: Text,
  products: z.array(z.object({ productId: Text, sku: Text, quantity: z.number().int().positive() })),
  expirationTime: IsoDateTimeSchema,
});

export const ProductReservationFailedSchema = message('ProductReservationFailed', {
  reason: Reason,
  products: z.array(
    z.object({
      productId: Text,
      sku: Text,
      requestedQuantity: z.number().int().min(0),
      availableQuantity: z.number().int().min(0),
      reason: Reason,
    }),
  ),
});

export const CouponAppliedSchema = message('CouponApplied', {
  couponCode: Text,
  discountAmount: MoneySchema,
  finalAmount: MoneySchema,
});

export const CouponFailedSchema = message('CouponFailed', { couponCode: Text, reason: Reason });

export const PaymentProcessedSchema = message('PaymentProcessed', {
  paymentId: Text,
  amount: MoneySchema,
  transactionId: Text,
  paymentMethod: Text,
  processedAt: IsoDateTimeSchema,
});

export const PaymentFailedSchema = message('PaymentFailed', {
  paymentMethod: Text,
  amount: MoneySchema,
  reason: Reason,
});

export const SplitPaymentPartResultSchema = z.object({
  paymentId: Text.nullish(),
  paymentMethod: Text,
  transactionId: Text.nullish(),
  amount: MoneySchema,
  status: z.enum(['SUCCEEDED', 'FAILED']),
  reason: Reason.nullish(),
});
export type SplitPaymentPartResult = z.infer<typeof SplitPaymentPartResultSchema>;

export const SplitPaymentSchema = message('SplitPayment', {
  payments: z.array(SplitPaymentPartResultSchema).min(1),
  totalAmount: MoneySchema,
  completed: z.boolean(),
});

export const InventoryConfirmedSchema = message('InventoryConfirmed', {
  reservationId: Text,
  reason: Reason.nullish(),
});

export const InventoryConfirmationFailedSchema = message('InventoryConfirmationFailed', {
  reservationId: Text,
  reason: Reason.nullish(),
});

export const InventoryReleasedSchema = message('InventoryReleased', { reservationId: Text });
export const CouponCancelledSchema = message('CouponCancelled', { couponCode: Text });
export const PaymentRefundedSchema = message('PaymentRefunded', { paymentId: Text, amount: MoneySchema.nullish() });

// ---------------------------------------------------------------------------------------------
// Commands and events from the orchestrator

/** What the orchestrator asks a participant to charge, refund or discount: more than zero. */
const PositiveMoneySchema = MoneySchema.regex(/^(?!-)(?!0+(\.0+)?$)/, 'must be greater than zero');
/** The amount an approved order was charged: zero (fully discounted) or more. */
const NonNegativeMoneySchema = MoneySchema.regex(/^(?!-)/, 'must not be negative');
const ChargePartSchema = z.object({ paymentMethod: Text, amount: PositiveMoneySchema });

export const ReserveInventorySchema = message('ReserveInventory', { items: z.array(OrderItemSchema).min(1) });
export const ConfirmInventorySchema = message('ConfirmInventory', { reservationId: Text });
export const ReleaseInventorySchema = message('ReleaseInventory', { reservationId: Text, reason: OwnReason });

export const ApplyCouponSchema = message('ApplyCoupon', {
  couponCode: Text,
  customerId: Text,
  amount: PositiveMoneySchema,
  currency: CurrencySchema,
});
export const CancelCouponSchema = message('CancelCoupon', { couponCode: Text, reason: OwnReason });

export const ProcessPaymentSchema = message('ProcessPayment', {
  amount: PositiveMoneySchema,
  currency: CurrencySchema,
  paymentMethod: Text,
  customerId: Text,
});
/** The split variant shares the topic; it carries currency and customer like the single one. */
export const ProcessSplitPaymentSchema = message('ProcessSplitPayment', {
  payments: z.array(ChargePartSchema).min(1),
  currency: CurrencySchema,
  customerId: Text,
});
export const RefundPaymentSchema = message('RefundPayment', { paymentId: Text, amount: PositiveMoneySchema, reason: OwnReason });

export const OrderApprovedSchema = message('OrderApproved', {
  finalAmount: NonNegativeMoneySchema,
  currency: CurrencySchema,
  paymentIds: z.array(Text),
});

/** Final saga statuses an order can be cancelled with (CONTRACT.md, "Order saga and its statuses"). */
export const ORDER_CANCELLED_STATUSES = [
  'INVENTORY_ERROR',
  'COUPON_ERROR',
  'PAYMENT_FAILED',
  'APPROVAL_FAILED',
  'TIMED_OUT',
  'COMPENSATED',
] as const;
export const OrderCancelledSchema = message('OrderCancelled', { status: z.enum(ORDER_CANCELLED_STATUSES), reason: OwnReason });

// ---------------------------------------------------------------------------------------------
// Registry: eventType -> schema, topic -> allowed eventTypes

export const MESSAGE_SCHEMAS = {
  OrderCreated: OrderCreatedSchema,
  ProductReserved: ProductReservedSchema,
  ProductReservationFailed: ProductReservationFailedSchema,
  CouponApplied: CouponAppliedSchema,
  CouponFailed: CouponFailedSchema,
  PaymentProcessed: PaymentProcessedSchema,
  PaymentFailed: PaymentFailedSchema,
  SplitPayment: SplitPaymentSchema,
  InventoryConfirmed: InventoryConfirmedSchema,
  InventoryConfirmationFailed: InventoryConfirmationFailedSchema,
  InventoryReleased: InventoryReleasedSchema,
  CouponCancelled: CouponCancelledSchema,
  PaymentRefunded: PaymentRefundedSchema,
  ReserveInventory: ReserveInventorySchema,
  ConfirmInventory: ConfirmInventorySchema,
  ReleaseInventory: ReleaseInventorySchema,
  ApplyCoupon: ApplyCouponSchema,
  CancelCoupon: CancelCouponSchema,
  ProcessPayment: ProcessPaymentSchema,
  ProcessSplitPayment: ProcessSplitPaymentSchema,
  RefundPayment: RefundPaymentSchema,
  OrderApproved: OrderApprovedSchema,
  OrderCancelled: OrderCancelledSchema,
} as const;

export type EventType = keyof typeof MESSAGE_SCHEMAS;
export const EVENT_TYPES = Object.keys(MESSAGE_SCHEMAS) as EventType[];

/** Which eventTypes may appear on which topic. */
export const TOPIC_EVENT_TYPES: Record<Topic, readonly EventType[]> = {
  [TOPICS.orderCreated]: ['OrderCreated'],
  [TOPICS.productReserved]: ['ProductReserved'],
  [TOPICS.productReservationFailed]: ['ProductReservationFailed'],
  [TOPICS.couponApplied]: ['CouponApplied'],
  [TOPICS.couponFailed]: ['CouponFailed'],
  [TOPICS.paymentProcessed]: ['PaymentProcessed'],
  [TOPICS.paymentFailed]: ['PaymentFailed'],
  [TOPICS.splitPaymentProcessed]: ['SplitPayment'],
  [TOPICS.inventoryConfirmed]: ['InventoryConfirmed', 'InventoryConfirmationFailed'],
  [TOPICS.compensation]: ['InventoryReleased', 'CouponCancelled', 'PaymentRefunded'],
  [TOPICS.reserveInventory]: ['ReserveInventory'],
  [TOPICS.confirmInventory]: ['ConfirmInventory'],
  [TOPICS.releaseInventory]: ['ReleaseInventory'],
  [TOPICS.applyCoupon]: ['ApplyCoupon'],
  [TOPICS.cancelCoupon]: ['CancelCoupon'],
  [TOPICS.processPayment]: ['ProcessPayment', 'ProcessSplitPayment'],
  [TOPICS.refundPayment]: ['RefundPayment'],
  [TOPICS.orderApproved]: ['OrderApproved'],
  [TOPICS.orderCancelled]: ['OrderCancelled'],
};

/** The one topic each eventType travels on (inverse of TOPIC_EVENT_TYPES). */
export const EVENT_TYPE_TOPIC = Object.fromEntries(
  Object.entries(TOPIC_EVENT_TYPES).flatMap(([topic, types]) => types.map((t) => [t, topic])),
) as Record<EventType, Topic>;

// ---------------------------------------------------------------------------------------------
// Types

export type OrderCreated = z.infer<typeof OrderCreatedSchema>;
export type ProductReserved = z.infer<typeof ProductReservedSchema>;
export type ProductReservationFailed = z.infer<typeof ProductReservationFailedSchema>;
export type CouponApplied = z.infer<typeof CouponAppliedSchema>;
export type CouponFailed = z.infer<typeof CouponFailedSchema>;
export type PaymentProcessed = z.infer<typeof PaymentProcessedSchema>;
export type PaymentFailed = z.infer<typeof PaymentFailedSchema>;
export type SplitPayment = z.infer<typeof SplitPaymentSchema>;
export type InventoryConfirmed = z.infer<typeof InventoryConfirmedSchema>;
export type InventoryConfirmationFailed = z.infer<typeof InventoryConfirmationFailedSchema>;
export type InventoryReleased = z.infer<typeof InventoryReleasedSchema>;
export type CouponCancelled = z.infer<typeof CouponCancelledSchema>;
export type PaymentRefunded = z.infer<typeof PaymentRefundedSchema>;
export type ReserveInventory = z.infer<typeof ReserveInventorySchema>;
export type ConfirmInventory = z.infer<typeof ConfirmInventorySchema>;
export type ReleaseInventory = z.infer<typeof ReleaseInventorySchema>;
export type ApplyCoupon = z.infer<typeof ApplyCouponSchema>;
export type CancelCoupon = z.infer<typeof CancelCouponSchema>;
export type ProcessPayment = z.infer<typeof ProcessPaymentSchema>;
export type ProcessSplitPayment = z.infer<typeof ProcessSplitPaymentSchema>;
export type RefundPayment = z.infer<typeof RefundPaymentSchema>;
export type OrderApproved = z.infer<typeof OrderApprovedSchema>;
export type OrderCancelled = z.infer<typeof OrderCancelledSchema>;
export type OrderCancelledStatus = (typeof ORDER_CANCELLED_STATUSES)[number];

/** Any message of the order contract, discriminated by `eventType`. */
export type ContractMessage = { [K in EventType]: z.infer<(typeof MESSAGE_SCHEMAS)[K]> }[EventType];
/** A message of one given eventType. */
export type MessageOf<K extends EventType> = z.infer<(typeof MESSAGE_SCHEMAS)[K]>;
/** The payload of a message: the fields beyond the envelope (what a saga step supplies). */
export type PayloadOf<K extends EventType> = Omit<MessageOf<K>, keyof Envelope>;


/** The order saga's contract, as the saga module registers it. */
export const ORDER_CONTRACT: WireContract = {
  sagaType: 'order',
  keyField: 'orderId',
  topicEventTypes: TOPIC_EVENT_TYPES,
  schemas: MESSAGE_SCHEMAS,
  inbound: INBOUND_TOPICS,
  outbound: OUTBOUND_TOPICS,
};

export function isTopic(topic: string): topic is Topic {
  return (ALL_TOPICS as readonly string[]).includes(topic);
}

/** The order contract alone (participants and tests that speak only it). */
export const ORDER_WIRE = wireOf<ContractMessage>([ORDER_CONTRACT]);

/** Validates an already-decoded value as the given eventType of the order contract. */
export function validateMessage(eventType: EventType, value: unknown) {
  return ORDER_WIRE.validate(eventType, value);
}

/** Decodes and validates one message value read from an order `topic` (see Wire.parse). */
export function parseIncoming(topic: string, raw: Buffer | string | null) {
  return ORDER_WIRE.parse(topic, raw);
}
