/**
 * The wire format every saga module's contract is written in (docs: /CONTRACT.md): the envelope
 * common to all messages, the building blocks of payloads (money, identifiers, what storage
 * accepts), and one parser over the contracts of the registered saga modules. Every message
 * crossing the broker is validated here, at the edge; the saga core only ever sees values that
 * passed a contract's schemas. Each module's own topics and schemas live in its folder
 * (e.g. src/sagas/order/contract.ts).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Unparseable or invalid messages go to `<topic>.dlq` with the error. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

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
export const Text = z.string().min(1).max(MAX_IDENTIFIER_LENGTH).regex(NO_NUL, NO_NUL_MESSAGE);
export const Reason = z.string().min(1).max(MAX_REASON_LENGTH).regex(NO_NUL, NO_NUL_MESSAGE);
/** Reasons the orchestrator writes itself (they may quote a participant's reason): no cap. */
export const OwnReason = z.string().min(1).regex(NO_NUL, NO_NUL_MESSAGE);

/**
 * Fields common to every message of every saga, and the one each saga type adds after `sagaId`:
 * its business key (e.g. `orderId`), which is also the message's key, so one saga's messages
 * stay on one partition; a UUID. The key's place is fixed: a parsed message's keys are in schema order,
 * which payloadFingerprint relies on.
 */
export function envelopeSchema<K extends string>(keyField: K) {
  return z.object({
    eventId: UuidSchema,
    eventType: Text,
    sagaId: UuidSchema.nullable(),
    ...({ [keyField]: UuidSchema } as Record<K, typeof UuidSchema>),
    correlationId: UuidSchema,
    causationId: UuidSchema.nullable(),
    timestamp: IsoDateTimeSchema,
    retryCount: z.number().int().min(0),
  });
}

/** The fields every message has, whatever its saga type. */
export interface Envelope {
  eventId: string;
  eventType: string;
  sagaId: string | null;
  correlationId: string;
  causationId: string | null;
  timestamp: string;
  retryCount: number;
}

// ---------------------------------------------------------------------------------------------
// A saga module's contract, and the parser over the registered ones

/**
 * One saga module's wire contract: which eventTypes travel on which topics, how each is
 * validated, and which topics the orchestrator consumes (`inbound`) or produces (`outbound`).
 */
export interface WireContract {
  /** The saga type (module name) the contract belongs to. */
  sagaType: string;
  /** The envelope field carrying the business key of that saga type (its messages' key). */
  keyField: string;
  topicEventTypes: Readonly<Record<string, readonly string[]>>;
  schemas: Readonly<Record<string, z.ZodType>>;
  inbound: readonly string[];
  outbound: readonly string[];
}

/** A saga of one type with one business key: unique per type. */
export interface SagaBusinessKey {
  sagaType: string;
  businessKey: string;
}

/** A message that passed its contract: the envelope plus its payload fields. */
export type WireMessage = Envelope & Record<string, unknown>;

/**
 * The contracts of every registered saga module, as one: the topics the orchestrator consumes
 * and produces, and the parser and validator of their messages. Two modules may not claim the
 * same topic or eventType: a message must have exactly one meaning.
 */
export interface Wire<M = WireMessage> {
  inbound: readonly string[];
  outbound: readonly string[];
  /** Inbound then outbound, each topic once. */
  all: readonly string[];
  topicEventTypes: Readonly<Record<string, readonly string[]>>;
  /** The one topic an eventType travels on. */
  topicOf(eventType: string): string | undefined;
  /** The saga type and business key a parsed message belongs to (by its eventType's contract). */
  keyOf(message: Envelope): SagaBusinessKey;
  /** The envelope field carrying a saga type's business key (e.g. `orderId`). */
  keyFieldOf(sagaType: string): string;
  /** Validates an already-decoded value as the given eventType. */
  validate(eventType: string, value: unknown): ParseResult<M>;
  /**
   * Decodes and validates one message value read from `topic`. Never throws: a failure is an
   * error text for the dead-letter record, naming the offending field path.
   */
  parse(topic: string, raw: Buffer | string | null): ParseResult<M>;
}

export function wireOf<M = WireMessage>(contracts: readonly WireContract[]): Wire<M> {
  const topicEventTypes: Record<string, readonly string[]> = {};
  const schemas = new Map<string, z.ZodType>();
  const topicOfType = new Map<string, string>();
  const contractOfType = new Map<string, WireContract>();
  for (const contract of contracts) {
    for (const [topic, types] of Object.entries(contract.topicEventTypes)) {
      if (Object.hasOwn(topicEventTypes, topic)) throw new Error(`topic '${topic}' is claimed by two saga contracts`);
      topicEventTypes[topic] = types;
      for (const t of types) {
        if (topicOfType.has(t)) throw new Error(`eventType '${t}' is claimed by two topics`);
        topicOfType.set(t, topic);
        contractOfType.set(t, contract);
      }
    }
    for (const [eventType, schema] of Object.entries(contract.schemas)) schemas.set(eventType, schema);
  }
  const inbound = [...new Set(contracts.flatMap((c) => c.inbound))];
  const outbound = [...new Set(contracts.flatMap((c) => c.outbound))];
  const validate = (eventType: string, value: unknown): ParseResult<M> => {
    const schema = schemas.get(eventType);
    if (!schema) return { ok: false, error: `unknown eventType '${eventType}'` };
    const unstorable = unstorableText(value);
    if (unstorable) return { ok: false, error: `invalid ${eventType}: ${unstorable}` };
    const result = schema.safeParse(value);
    if (!result.success) return { ok: false, error: `invalid ${eventType}: ${formatIssues(result.error)}` };
    return { ok: true, message: result.data as M };
  };
  return {
    inbound, outbound, all: [...new Set([...inbound, ...outbound])], topicEventTypes,
    topicOf: (eventType) => topicOfType.get(eventType),
    keyFieldOf: (sagaType) => contracts.find((c) => c.sagaType === sagaType)?.keyField ?? 'businessKey',
    keyOf: (message) => {
      const contract = contractOfType.get(message.eventType);
      if (!contract) throw new Error(`no registered contract has eventType '${message.eventType}'`);
      return { sagaType: contract.sagaType, businessKey: String((message as unknown as Record<string, unknown>)[contract.keyField]) };
    },
    validate,
    parse: (topic, raw) => parseWith(topicEventTypes, validate, topic, raw),
  };
}

export type ParseResult<M = WireMessage> = { ok: true; message: M } | { ok: false; error: string };

/** Renders zod issues as `path: message; ...` so a DLQ record says which field was wrong. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
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

/**
 * A hash of what a validated message says, to tell a redelivery (same eventId, same content)
 * from a reused eventId (same eventId, other content). `timestamp` and `retryCount` are left
 * out: they describe the sending, and a sender may restamp a message it sends again. The parsed
 * message's keys are in schema order (zod builds it so), which makes the JSON canonical.
 */
export function payloadFingerprint(message: WireMessage): string {
  const { timestamp: _sent, retryCount: _retry, ...content } = message;
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url').slice(0, 22);
}

/** True for a `<topic>.dlq` topic (dlqTopic). */
export function isDeadLetterTopic(topic: string): boolean {
  return topic.endsWith('.dlq');
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Wire.parse over the given topics and validator. */
function parseWith<M>(
  topicEventTypes: Readonly<Record<string, readonly string[]>>, validate: (eventType: string, value: unknown) => ParseResult<M>,
  topic: string, raw: Buffer | string | null,
): ParseResult<M> {
  if (!Object.hasOwn(topicEventTypes, topic)) return { ok: false, error: `unknown topic '${topic}'` };
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
  const allowed = topicEventTypes[topic];
  if (typeof eventType !== 'string') {
    return { ok: false, error: `eventType: required string, one of ${allowed.join(' | ')}` };
  }
  if (!(allowed as readonly string[]).includes(eventType)) {
    return {
      ok: false,
      error: `eventType: '${eventType}' is not allowed on topic '${topic}' (expected ${allowed.join(' | ')})`,
    };
  }
  return validate(eventType, value);
}

