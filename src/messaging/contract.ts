/**
 * The wire contract with the participant services (docs: /CONTRACT.md), as zod schemas.
 * Every message crossing Kafka is validated here, at the edge; the saga core only ever sees
 * values that passed these schemas. Inferred types are exported for each message.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { orderAmountIssues } from '../sagas/order/amounts';

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

/** Unparseable or invalid messages go to `<topic>.dlq` with the error. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

export function isTopic(topic: string): topic is Topic {
  return (ALL_TOPICS as readonly string[]).includes(topic);
}

// ---------------------------------------------------------------------------------------------
// Building blocks

// ---------------------------------------------------------------------------------------------
// What storage accepts (src/persistence/entities, migrations): validated here, at the edge, so
// a message PostgreSQL would refuse is rejected as invalid instead of failing a whole batch.

/**
 * Amounts are stored as numeric(19,4) (saga_instance.total_amount, final_amount): at most 15
 * integer digits and 4 decimals.
 */
export const AMOUNT_INTEGER_DIGITS = 15;
export const AMOUNT_DECIMALS = 4;
/**
 * Identifiers (customerId, sku, paymentId, coupon codes, payment methods...): text columns,
 * but btree and GIN indexed (customer_id, payment_methods), whose entries must stay well under
 * PostgreSQL's ~2.7 KB index row limit; 255 characters is at most 1,020 bytes of UTF-8.
 */
export const MAX_IDENTIFIER_LENGTH = 255;
/** Free text (reasons): stored in events (jsonb) and last_error (trigram index). */
export const MAX_REASON_LENGTH = 2000;
/** PostgreSQL text and jsonb cannot hold NUL: no string of a message may contain one. */
export const NO_NUL = /^[^\u0000]*$/;
/** A UTF-16 surrogate without its pair: not Unicode, and refused by jsonb. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NO_NUL_MESSAGE = 'must not contain NUL (\\u0000)';

/** Decimal string, never a float: up to 4 fraction digits (see core/money.ts), numeric(19,4). */
export const MoneySchema = z.string().regex(
  new RegExp(`^-?\\d{1,${AMOUNT_INTEGER_DIGITS}}(\\.\\d{1,${AMOUNT_DECIMALS}})?$`),
  `must be a decimal string like "129.90", at most ${AMOUNT_INTEGER_DIGITS} integer digits and ${AMOUNT_DECIMALS} decimals`,
);
/** ISO 4217 code. */
export const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be 3 uppercase letters (ISO 4217)');
/**
 * UUID by shape (8-4-4-4-12 hex). Any version is accepted: the Java services send v4, but
 * hand-written fixtures and other producers may not set the version nibble.
 */
export const UuidSchema = z.guid();
/** ISO-8601; a zone offset is optional because Java LocalDateTime serialises without one. */
export const IsoDateTimeSchema = z.iso.datetime({ offset: true, local: true });
const Text = z.string().min(1).max(MAX_IDENTIFIER_LENGTH).regex(NO_NUL, NO_NUL_MESSAGE);
const Reason = z.string().min(1).max(MAX_REASON_LENGTH).regex(NO_NUL, NO_NUL_MESSAGE);
/** Reasons the orchestrator writes itself (they may quote a participant's reason): no cap. */
const OwnReason = z.string().min(1).regex(NO_NUL, NO_NUL_MESSAGE);

/** Fields common to every message. */
export const EnvelopeSchema = z.object({
  eventId: UuidSchema,
  eventType: Text,
  sagaId: UuidSchema.nullable(),
  orderId: UuidSchema,
  correlationId: UuidSchema,
  causationId: UuidSchema.nullable(),
  timestamp: IsoDateTimeSchema,
  retryCount: z.number().int().min(0),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;
/** Envelope field names; everything else in a message is its payload. */
export const ENVELOPE_FIELDS = Object.keys(EnvelopeSchema.shape) as (keyof Envelope)[];

export const OrderItemSchema = z.object({
  productId: Text,
  sku: Text,
  quantity: z.number().int().positive(),
  unitPrice: MoneySchema,
});
export type OrderItem = z.infer<typeof OrderItemSchema>;

export const PaymentPartSchema = z.object({ paymentMethod: Text, amount: MoneySchema });
export type PaymentPart = z.infer<typeof PaymentPartSchema>;

function message<T extends string, S extends z.ZodRawShape>(eventType: T, payload: S) {
  return EnvelopeSchema.extend({ eventType: z.literal(eventType), ...payload });
}

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

/** Any message of the contract, discriminated by `eventType`. */
export type ContractMessage = { [K in EventType]: z.infer<(typeof MESSAGE_SCHEMAS)[K]> }[EventType];
/** A message of one given eventType. */
export type MessageOf<K extends EventType> = z.infer<(typeof MESSAGE_SCHEMAS)[K]>;
/** The payload of a message: the fields beyond the envelope (what a saga step supplies). */
export type PayloadOf<K extends EventType> = Omit<MessageOf<K>, keyof Envelope>;

// ---------------------------------------------------------------------------------------------
// Parsing at the edge

export type ParseResult = { ok: true; message: ContractMessage } | { ok: false; error: string };

/** Renders zod issues as `path: message; ...` so a DLQ record says which field was wrong. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Validates an already-decoded value as the given eventType. */
export function validateMessage(eventType: EventType, value: unknown): ParseResult {
  const unstorable = unstorableText(value);
  if (unstorable) return { ok: false, error: `invalid ${eventType}: ${unstorable}` };
  const result = MESSAGE_SCHEMAS[eventType].safeParse(value);
  if (!result.success) return { ok: false, error: `invalid ${eventType}: ${formatIssues(result.error)}` };
  return { ok: true, message: result.data as ContractMessage };
}

/**
 * The first string anywhere in a decoded value (unknown fields and keys too, which zod would
 * only strip) that PostgreSQL cannot store: one with a NUL or a lone surrogate (e.g. from the
 * JSON escape `\\ud800`). Null when there is none.
 */
export function unstorableText(value: unknown, path: (string | number)[] = []): string | null {
  const at = () => (path.length ? path.join('.') : '(root)');
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return `${at()}: ${NO_NUL_MESSAGE}`;
    LONE_SURROGATE.lastIndex = 0;
    if (LONE_SURROGATE.test(value)) return `${at()}: invalid Unicode (a lone surrogate)`;
    return null;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unstorableText(item, [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = unstorableText(key, path);
      if (keyProblem) return `${keyProblem} (in a field name)`;
      const found = unstorableText(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes and validates one Kafka message value read from `topic`. Never throws: a failure is
 * an error text for the dead-letter record, naming the offending field path.
 */
export function parseIncoming(topic: string, raw: Buffer | string | null): ParseResult {
  if (!isTopic(topic)) return { ok: false, error: `unknown topic '${topic}'` };
  if (raw === null) return { ok: false, error: 'empty message value (null / tombstone)' };
  let text: string;
  try {
    // Strict: invalid bytes are an error, not silently replaced by U+FFFD.
    text = typeof raw === 'string' ? raw : UTF8.decode(raw);
  } catch {
    return { ok: false, error: 'value is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `malformed JSON: ${(e as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: '(root): expected a JSON object' };
  }
  const eventType = (value as Record<string, unknown>).eventType;
  const allowed = TOPIC_EVENT_TYPES[topic];
  if (typeof eventType !== 'string') {
    return { ok: false, error: `eventType: required string, one of ${allowed.join(' | ')}` };
  }
  if (!(allowed as readonly string[]).includes(eventType)) {
    return {
      ok: false,
      error: `eventType: '${eventType}' is not allowed on topic '${topic}' (expected ${allowed.join(' | ')})`,
    };
  }
  return validateMessage(eventType as EventType, value);
}

/**
 * A hash of what a validated message says, to tell a redelivery (same eventId, same content)
 * from a reused eventId (same eventId, other content). `timestamp` and `retryCount` are left
 * out: they describe the sending, and a sender may restamp a message it sends again. The parsed
 * message's keys are in schema order (zod builds it so), which makes the JSON canonical.
 */
export function payloadFingerprint(message: ContractMessage): string {
  const { timestamp: _sent, retryCount: _retry, ...content } = message;
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 22);
}

/** True for a `<topic>.dlq` topic (dlqTopic). */
export function isDeadLetterTopic(topic: string): boolean {
  return topic.endsWith('.dlq');
}
