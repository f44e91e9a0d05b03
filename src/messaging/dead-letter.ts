/**
 * The dead-letter record (CONTRACT.md, "A message that cannot be parsed..."): what the
 * orchestrator writes to `<topic>.dlq` for a message it rejects, as one named type with its
 * encoder and decoder. The original key, value and headers travel as their exact bytes
 * (base64), so garbage input survives the trip unchanged and the record itself is plain ASCII
 * JSON that PostgreSQL (outbox) and any consumer accept.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LONE_SURROGATE, dlqTopic } from './contract';
import type { TransportMessage } from '../runtime/ports';

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

/** The record's JSON value; also the payload schema of the AsyncAPI document (scripts/asyncapi.ts). */
export const DeadLetterSchema = z.object({
  error: z.string().describe('why the message was rejected: the field path, or the database\'s error'),
  topic: z.string().describe('topic the message was read from'),
  partition: z.number().int().describe('partition it was read from'),
  offset: z.string().describe('its offset, as a decimal string'),
  key: Base64.nullable().describe('its Kafka key\'s bytes, base64 (null: no key)'),
  value: Base64.nullable().describe('its value\'s bytes, base64, unparsed (null: a tombstone)'),
  headers: z.record(z.string(), z.union([Base64, z.array(Base64)]))
    .describe('its Kafka headers: each value\'s bytes, base64 (an array when the header was repeated)'),
  deadLetteredAt: z.iso.datetime().describe('when it was dead-lettered'),
});
export type DeadLetterRecord = z.infer<typeof DeadLetterSchema>;

/** Kafka headers of a dead-letter record. */
export const DEAD_LETTER_HEADERS = { error: 'x-dlq-error', topic: 'x-original-topic' } as const;
/** x-dlq-error carries the error cut to this length (the full text is in the value). */
export const DEAD_LETTER_HEADER_ERROR_CHARS = 500;

/** A dead letter ready for the outbox: its value, headers and the id that makes it unique. */
export interface EncodedDeadLetter {
  /** deadLetterId(topic, partition, offset): the same message always gives the same id. */
  eventId: string;
  topic: string;
  /** Text view of the original key for the outbox's key column; the bytes are in the record. */
  key: string;
  value: string;
  headers: Record<string, string>;
}

/**
 * The dead-letter id of the message at (topic, partition, offset): a name-based UUID (v5 layout,
 * SHA-1 over a fixed namespace), so a redelivered message yields the same id and the inbox can
 * drop the second dead letter. A topic deleted and re-created restarts its offsets; its new
 * messages would then share ids with old dead letters only while the old ones are still in the
 * inbox's retention window.
 */
export function deadLetterId(topic: string, partition: number, offset: string): string {
  const hash = createHash('sha1').update(DEAD_LETTER_NAMESPACE).update(`${topic}\u0001${partition}\u0001${offset}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const DEAD_LETTER_NAMESPACE = 'saga-control-plane/dead-letter/v1';

/** The record of a rejected message, its bytes kept exactly. */
export function deadLetterRecord(message: TransportMessage, error: string, at: Date): DeadLetterRecord {
  const headers: DeadLetterRecord['headers'] = {};
  for (const [name, values] of Object.entries(message.headerBytes)) {
    headers[name] = values.length === 1 ? values[0].toString('base64') : values.map((v) => v.toString('base64'));
  }
  return {
    error: printable(error),
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.keyBytes?.toString('base64') ?? null,
    value: message.value?.toString('base64') ?? null,
    headers,
    deadLetteredAt: at.toISOString(),
  };
}

/** The outbox row of a record: JSON value, the contract's headers, deterministic id. */
export function encodeDeadLetter(record: DeadLetterRecord): EncodedDeadLetter {
  return {
    eventId: deadLetterId(record.topic, record.partition, record.offset),
    topic: dlqTopic(record.topic),
    key: record.key === null ? '' : printable(Buffer.from(record.key, 'base64').toString('utf8')),
    value: JSON.stringify(record),
    headers: {
      [DEAD_LETTER_HEADERS.error]: record.error.slice(0, DEAD_LETTER_HEADER_ERROR_CHARS),
      [DEAD_LETTER_HEADERS.topic]: record.topic,
    },
  };
}

/** Reads a record back (a DLQ consumer, the outbox relay); throws when it is not one. */
export function decodeDeadLetter(value: Buffer | string): DeadLetterRecord {
  return DeadLetterSchema.parse(JSON.parse(typeof value === 'string' ? value : value.toString('utf8')));
}

/** The original key's bytes of a record (the dead letter's own Kafka key). */
export function originalKey(record: DeadLetterRecord): Buffer | null {
  return record.key === null ? null : Buffer.from(record.key, 'base64');
}

/** The original value's bytes of a record. */
export function originalValue(record: DeadLetterRecord): Buffer | null {
  return record.value === null ? null : Buffer.from(record.value, 'base64');
}

/**
 * Text that PostgreSQL stores and a Kafka header carries: NUL written as the visible `\u0000`,
 * lone surrogates as U+FFFD. Error texts quote the input they reject, which may hold either.
 */
export function printable(text: string): string {
  return text.replaceAll('\u0000', '\\u0000').replace(LONE_SURROGATE, '\ufffd');
}
