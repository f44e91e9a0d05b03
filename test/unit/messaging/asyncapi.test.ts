import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { buildAsyncApiDocument, renderAsyncApiYaml } from '../../../scripts/asyncapi';
import { dlqTopic } from '../../../src/messaging/contract';
import { INBOUND_TOPICS, MESSAGE_SCHEMAS, OUTBOUND_TOPICS, TOPIC_EVENT_TYPES, TOPICS, type EventType } from '../../../src/sagas/order/contract';
import { sampleEnvelope, sampleOrderCreated } from '../support/messages';

interface Ref {
  $ref: string;
}
interface Channel {
  address: string;
  messages: Record<string, Ref>;
}
interface Operation {
  action: 'send' | 'receive';
  channel: Ref;
  messages: Ref[];
}
interface Message {
  name: string;
  contentType: string;
  headers: { properties: Record<string, unknown> };
  payload: Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };
  bindings: { kafka: { key: { type: string } } };
}
interface Doc {
  asyncapi: string;
  servers: Record<string, { host: string; protocol: string }>;
  channels: Record<string, Channel>;
  operations: Record<string, Operation>;
  components: { messages: Record<string, Message> };
}

const doc = buildAsyncApiDocument() as Doc;

function resolve(ref: string): unknown {
  expect(ref.startsWith('#/')).toBe(true);
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

describe('schema/asyncapi.yaml', () => {
  it('matches the document the code builds (run `npm run asyncapi:emit` after changing the contract)', () => {
    const committed = readFileSync(join(__dirname, '..', '..', '..', 'schema', 'asyncapi.yaml'), 'utf8');
    expect(YAML.parse(committed)).toEqual(buildAsyncApiDocument());
    expect(committed).toBe(renderAsyncApiYaml());
  });
});

describe('AsyncAPI document', () => {
  const channels = Object.values(doc.channels);
  const operations = Object.values(doc.operations);

  it('is AsyncAPI 3.0 with the local Kafka server', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect(doc.servers.local).toMatchObject({ host: '127.0.0.1:9092', protocol: 'kafka' });
  });

  it('has a channel per topic, with the messages the topic allows', () => {
    for (const topic of Object.values(TOPICS)) {
      const channel = channels.find((c) => c.address === topic);
      expect(channel).toBeDefined();
      expect(Object.keys(channel!.messages)).toEqual([...TOPIC_EVENT_TYPES[topic]]);
    }
  });

  it('has a dead-letter channel per consumed topic', () => {
    for (const topic of INBOUND_TOPICS) {
      const channel = channels.find((c) => c.address === dlqTopic(topic));
      expect(channel).toBeDefined();
      expect(Object.keys(channel!.messages)).toEqual(['DeadLetter']);
    }
    expect(channels).toHaveLength(INBOUND_TOPICS.length * 2 + OUTBOUND_TOPICS.length);
  });

  it('receives on inbound topics and sends on outbound and dead-letter topics', () => {
    const actionOf = (address: string) =>
      operations.filter((op) => (resolve(op.channel.$ref) as Channel).address === address).map((op) => op.action);
    for (const topic of INBOUND_TOPICS) {
      expect(actionOf(topic)).toEqual(['receive']);
      expect(actionOf(dlqTopic(topic))).toEqual(['send']);
    }
    for (const topic of OUTBOUND_TOPICS) expect(actionOf(topic)).toEqual(['send']);
    expect(operations).toHaveLength(channels.length);
  });

  it('has a message per eventType, and every $ref resolves', () => {
    for (const eventType of Object.keys(MESSAGE_SCHEMAS)) {
      const message = doc.components.messages[eventType];
      expect(message).toMatchObject({ name: eventType, contentType: 'application/json' });
      expect(message.headers.properties).toHaveProperty('traceparent');
      expect(message.bindings.kafka.key.type).toBe('string');
    }
    for (const channel of channels) {
      for (const ref of Object.values(channel.messages)) expect(resolve(ref.$ref)).toHaveProperty('payload');
    }
    for (const op of operations) {
      const channel = resolve(op.channel.$ref) as Channel;
      for (const ref of op.messages) expect(Object.values(channel.messages)).toContainEqual(resolve(ref.$ref));
    }
  });

  it('keeps uuid, regex and ISO date-time constraints in the payloads', () => {
    const { properties } = doc.components.messages.OrderCreated.payload;
    expect(properties.eventId).toMatchObject({ type: 'string', format: 'uuid' });
    expect(properties.currency).toMatchObject({ pattern: '^[A-Z]{3}$' });
    expect(properties.totalAmount.pattern).toBeDefined();
    expect(properties.timestamp.pattern).toBeDefined();
    expect(properties.eventType).toEqual({ type: 'string', const: 'OrderCreated' });
  });
});

describe('AsyncAPI payload schemas agree with the zod contract', () => {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats(ajv);
  const validatorOf = (eventType: EventType) => ajv.compile(doc.components.messages[eventType].payload);

  const envelope = sampleEnvelope;
  const orderCreated = sampleOrderCreated;
  const item = orderCreated.items[0];
  const { paymentMethod: _single, ...withoutPaymentMethod } = orderCreated;
  const reserveInventory = { ...envelope, causationId: envelope.eventId, eventType: 'ReserveInventory', items: [item] };

  const cases: [EventType, string, boolean, Record<string, unknown>][] = [
    ['OrderCreated', 'valid, one payment method', true, orderCreated],
    ['OrderCreated', 'valid, split payment', true, { ...withoutPaymentMethod, payments: [{ paymentMethod: 'CARD', amount: '129.90' }] }],
    ['OrderCreated', 'valid, local date-time (Java LocalDateTime)', true, { ...orderCreated, timestamp: '2025-01-01T10:00:00.123' }],
    ['OrderCreated', 'valid, with an unknown extra field', true, { ...orderCreated, extra: 1 }],
    ['OrderCreated', 'eventId not a uuid', false, { ...orderCreated, eventId: 'not-a-uuid' }],
    ['OrderCreated', 'amount as a float', false, { ...orderCreated, totalAmount: 129.9 }],
    ['OrderCreated', 'amount with 5 decimals', false, { ...orderCreated, totalAmount: '129.90001' }],
    ['OrderCreated', 'lowercase currency', false, { ...orderCreated, currency: 'eur' }],
    ['OrderCreated', 'no items', false, { ...orderCreated, items: [] }],
    ['OrderCreated', 'timestamp not ISO-8601', false, { ...orderCreated, timestamp: '01/01/2025 10:00' }],
    ['OrderCreated', 'missing envelope field', false, { ...orderCreated, correlationId: undefined }],
    ['OrderCreated', 'neither paymentMethod nor payments', false, withoutPaymentMethod],
    ['OrderCreated', 'empty payments split', false, { ...withoutPaymentMethod, payments: [] }],
    ['OrderCreated', 'wrong eventType', false, { ...orderCreated, eventType: 'ReserveInventory' }],
    ['OrderCreated', 'amount with 15 integer digits', true, { ...orderCreated, totalAmount: '999999999999999.99', items: [{ ...item, quantity: 1, unitPrice: '999999999999999.99' }] }],
    ['OrderCreated', 'amount with 16 integer digits (beyond numeric(19,4))', false, { ...orderCreated, totalAmount: '1000000000000000.00' }],
    ['OrderCreated', 'amount with 20 integer digits', false, { ...orderCreated, totalAmount: '12345678901234567890.00' }],
    ['OrderCreated', 'NUL in a string', false, { ...orderCreated, customerId: 'c\u0000' }],
    ['OrderCreated', 'NUL in an item', false, { ...orderCreated, items: [{ ...item, sku: '\u0000' }] }],
    ['OrderCreated', 'identifier of 255 characters', true, { ...orderCreated, customerId: 'c'.repeat(255) }],
    ['OrderCreated', 'identifier of 256 characters', false, { ...orderCreated, customerId: 'c'.repeat(256) }],
    ['ReserveInventory', 'valid', true, reserveInventory],
    ['ReserveInventory', 'quantity 0', false, { ...reserveInventory, items: [{ ...item, quantity: 0 }] }],
    ['ReserveInventory', 'fractional quantity', false, { ...reserveInventory, items: [{ ...item, quantity: 1.5 }] }],
    ['ReserveInventory', 'unitPrice with a comma', false, { ...reserveInventory, items: [{ ...item, unitPrice: '64,95' }] }],
    ['ReserveInventory', 'negative retryCount', false, { ...reserveInventory, retryCount: -1 }],
    ['ReserveInventory', 'no items field', false, { ...reserveInventory, items: undefined }],
  ];

  it('describes the dead-letter record: original bytes in base64, the contract\'s headers', () => {
    const letter = doc.components.messages.DeadLetter;
    expect(Object.keys(letter.payload.properties).sort()).toEqual(['deadLetteredAt', 'error', 'headers', 'key', 'offset', 'partition', 'topic', 'value']);
    expect(letter.payload.properties.value.description).toMatch(/base64/);
    expect(letter.headers.properties).toHaveProperty('x-dlq-error');
    expect(letter.headers.properties).toHaveProperty('x-original-topic');
    const validate = ajv.compile(letter.payload);
    const record = { error: 'e', topic: 't', partition: 0, offset: '1', key: 'a2V5', value: '3q2+7wD/', headers: { h: 'AA==', r: ['YQ==', 'Yg=='] }, deadLetteredAt: '2026-12-01T08:00:00.000Z' };
    expect(validate(record)).toBe(true);
    expect(validate({ ...record, value: 'not base64!' })).toBe(false);
  });

  it.each(cases)('%s: %s (accepted: %s)', (eventType, _name, accepted, value) => {
    const wire = JSON.parse(JSON.stringify(value)) as unknown; // what a consumer sees: undefined fields dropped
    const validate = validatorOf(eventType);
    expect({ ajv: validate(wire), errors: validate.errors ?? null }).toMatchObject({ ajv: accepted });
    expect(MESSAGE_SCHEMAS[eventType].safeParse(wire).success).toBe(accepted);
  });
});
