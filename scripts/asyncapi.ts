/**
 * The wire contract (src/sagas/order/contract.ts, in the envelope of src/messaging/contract.ts, docs: CONTRACT.md) as an AsyncAPI 3.0 document,
 * built from the zod schemas so it cannot drift. `npm run asyncapi:emit` writes it to
 * schema/asyncapi.yaml; test/unit/messaging/asyncapi.test.ts fails when the committed file differs.
 *
 * Payloads are JSON Schema draft-07 (the base of the AsyncAPI Schema format), generated with
 * `z.toJSONSchema(..., { target: 'draft-7', io: 'input' })`: `input` describes what the edge
 * validation accepts (unknown fields are stripped, not rejected). Refinements (`superRefine`)
 * have no JSON Schema form; each one needs a hand-written equivalent in REFINEMENTS, else the
 * build throws instead of silently publishing a looser schema.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { UuidSchema, dlqTopic } from '../src/messaging/contract';
import { EVENT_TYPE_TOPIC, INBOUND_TOPICS, MESSAGE_SCHEMAS, OUTBOUND_TOPICS, TOPIC_EVENT_TYPES, TOPICS, type EventType, type Topic } from '../src/sagas/order/contract';
import { DEAD_LETTER_HEADER_ERROR_CHARS, DEAD_LETTER_HEADERS, DeadLetterSchema } from '../src/messaging/dead-letter';

type JsonSchema = Record<string, unknown>;

const KAFKA_BINDING_VERSION = '0.5.0';
const DEAD_LETTER = 'DeadLetter';

/**
 * JSON Schema equivalents of the refinements zod cannot export, per eventType. Each must accept
 * exactly what the refinement accepts (the asyncapi test checks the cases against zod).
 */
const REFINEMENTS: Partial<Record<EventType, JsonSchema>> = {
  // OrderCreated: either one paymentMethod or a non-empty payments[] split, never neither. The
  // money rules (src/sagas/order/amounts.ts) have no JSON Schema form; a $comment states them.
  OrderCreated: {
    $comment: 'Also: totalAmount > 0 and equal to the sum of items quantity × unitPrice; unitPrice >= 0; payments[].amount > 0, adding up to totalAmount.',
    anyOf: [
      { required: ['paymentMethod'], properties: { paymentMethod: { type: 'string' } } },
      { required: ['payments'], properties: { payments: { type: 'array' } } },
    ],
  },
};

function hasCustomCheck(schema: z.core.$ZodType): boolean {
  return (schema._zod.def.checks ?? []).some((check) => check._zod.def.check === 'custom');
}

/** JSON Schema (draft-07, no `$schema`) of one zod schema; `name` is for error messages. */
function jsonSchemaOf(name: string, schema: z.ZodType, refinement?: JsonSchema): JsonSchema {
  const generated = z.toJSONSchema(schema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'throw',
    reused: 'inline',
    cycles: 'throw',
    override: (ctx) => {
      if (!hasCustomCheck(ctx.zodSchema)) return;
      if ((ctx.zodSchema as unknown) !== schema || !refinement) {
        throw new Error(`${name}: a refinement has no JSON Schema equivalent; add one to REFINEMENTS in scripts/asyncapi.ts`);
      }
      Object.assign(ctx.jsonSchema, structuredClone(refinement));
    },
  }) as JsonSchema;
  const { $schema: _dialect, ...rest } = generated;
  return rest;
}

/** 'OrderCreated' -> 'Order created'. */
function titleOf(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(' ');
  return [words[0], ...words.slice(1).map((w) => w.toLowerCase())].join(' ');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const byAddress = <T extends { address: string }>(a: T, b: T): number => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

/** package.json's version: found by walking up, so this works from scripts/ and dist/scripts/. */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    if (dirname(dir) === dir) throw new Error('package.json not found');
  }
}

function traceHeaders(): JsonSchema {
  return {
    type: 'object',
    properties: {
      traceparent: { type: 'string', description: 'W3C trace context; optional, passed through from command to reply' },
    },
  };
}

function contractMessage(eventType: EventType): JsonSchema {
  const topic = EVENT_TYPE_TOPIC[eventType];
  const direction = INBOUND_TOPICS.includes(topic) ? 'consumed' : 'produced';
  return {
    name: eventType,
    title: titleOf(eventType),
    summary: `\`${eventType}\` on \`${topic}\` (${direction} by the orchestrator).`,
    contentType: 'application/json',
    correlationId: { description: 'The same for every message of one saga.', location: '$message.payload#/correlationId' },
    headers: traceHeaders(),
    payload: jsonSchemaOf(eventType, MESSAGE_SCHEMAS[eventType], REFINEMENTS[eventType]),
    bindings: {
      kafka: {
        key: { ...jsonSchemaOf('key', UuidSchema), description: 'The orderId, so one order stays on one partition.' },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

function deadLetterMessage(): JsonSchema {
  return {
    name: DEAD_LETTER,
    title: 'Dead letter',
    summary: 'A message the orchestrator rejected (unparseable, invalid, refused by the database, an eventId reused with ' +
      'a different payload, or not applicable), with the error; written once per original topic, partition and offset.',
    description: 'key, value and headers are the original bytes in base64, so nothing is lost whatever the message held ' +
      '(src/messaging/dead-letter.ts encodes and decodes it).',
    contentType: 'application/json',
    headers: {
      type: 'object',
      properties: {
        [DEAD_LETTER_HEADERS.error]: {
          type: 'string', maxLength: DEAD_LETTER_HEADER_ERROR_CHARS, description: `the error, truncated to ${DEAD_LETTER_HEADER_ERROR_CHARS} characters`,
        },
        [DEAD_LETTER_HEADERS.topic]: { type: 'string', description: 'topic the message was read from' },
      },
      required: [DEAD_LETTER_HEADERS.error, DEAD_LETTER_HEADERS.topic],
    },
    payload: jsonSchemaOf(DEAD_LETTER, DeadLetterSchema),
    bindings: {
      kafka: {
        key: { type: 'string', description: 'The original message key, its exact bytes (the orderId), or none when it had none.' },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
  };
}

interface ChannelSpec {
  id: string;
  address: string;
  action: 'send' | 'receive';
  messages: readonly string[];
  description: string;
}

/** Channel ids are the TOPICS keys (`orderCreated`; `orderCreatedDlq` for its dead letters). */
function channelSpecs(): ChannelSpec[] {
  const idOf = new Map(Object.entries(TOPICS).map(([id, topic]) => [topic as Topic, id]));
  const specs: ChannelSpec[] = [];
  for (const topic of INBOUND_TOPICS) {
    const id = idOf.get(topic)!;
    specs.push({ id, address: topic, action: 'receive', messages: TOPIC_EVENT_TYPES[topic], description: 'Consumed by the orchestrator.' });
    specs.push({
      id: `${id}Dlq`,
      address: dlqTopic(topic),
      action: 'send',
      messages: [DEAD_LETTER],
      description: `Dead letters of \`${topic}\`: messages the orchestrator rejected, with the error.`,
    });
  }
  for (const topic of OUTBOUND_TOPICS) {
    specs.push({ id: idOf.get(topic)!, address: topic, action: 'send', messages: TOPIC_EVENT_TYPES[topic], description: 'Produced by the orchestrator.' });
  }
  return specs.sort(byAddress);
}

/** The AsyncAPI 3.0 document of the wire contract. Deterministic: channels sorted by topic, messages by name. */
export function buildAsyncApiDocument(): object {
  const specs = channelSpecs();
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const spec of specs) {
    channels[spec.id] = {
      address: spec.address,
      title: spec.address,
      description: spec.description,
      messages: Object.fromEntries(spec.messages.map((name) => [name, { $ref: `#/components/messages/${name}` }])),
    };
    operations[`${spec.action}${capitalize(spec.id)}`] = {
      action: spec.action,
      channel: { $ref: `#/channels/${spec.id}` },
      summary: `${spec.action === 'send' ? 'The orchestrator produces to' : 'The orchestrator consumes'} \`${spec.address}\`.`,
      messages: spec.messages.map((name) => ({ $ref: `#/channels/${spec.id}/messages/${name}` })),
    };
  }
  const messageNames = [...(Object.keys(MESSAGE_SCHEMAS) as EventType[]), DEAD_LETTER].sort();
  const messages = Object.fromEntries(
    messageNames.map((name) => [name, name === DEAD_LETTER ? deadLetterMessage() : contractMessage(name as EventType)]),
  );
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'saga-control-plane wire contract',
      version: packageVersion(),
      description:
        'Kafka messages between the saga orchestrator and the participant services (Order, Product, Promotion, Payment); ' +
        'see CONTRACT.md. Every value is one UTF-8 JSON object; the key is the orderId. Generated from ' +
        'src/sagas/order/contract.ts by `npm run asyncapi:emit`. Beyond the payload schemas, what storage accepts is ' +
        'enforced on every message: the value must be valid UTF-8, and no string anywhere in it (unknown fields and ' +
        'field names included) may contain NUL (\\u0000) or a lone UTF-16 surrogate (an escape such as \\ud800 ' +
        'without its pair). Amounts fit numeric(19,4) (at most 15 integer digits and 4 decimals), identifiers are at ' +
        'most 255 characters, reasons at most 2000. A message that breaks any rule goes to `<topic>.dlq`.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:9092', protocol: 'kafka', description: 'Local single-node broker (`npm run kafka -- start`).' },
    },
    channels,
    operations,
    components: { messages },
  };
}

export const ASYNCAPI_HEADER = [
  '# Generated by `npm run asyncapi:emit` from src/sagas/order/contract.ts (scripts/asyncapi.ts). Do not edit;',
  '# test/unit/messaging/asyncapi.test.ts fails when this file drifts from the code.',
  '',
].join('\n');

/** The file content of schema/asyncapi.yaml. */
export function renderAsyncApiYaml(): string {
  return ASYNCAPI_HEADER + YAML.stringify(buildAsyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false });
}
