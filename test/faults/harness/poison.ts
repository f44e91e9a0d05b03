/**
 * Poison messages of every kind the issue lists, published raw (bytes, not strings) next to the
 * real orders, each remembered with its exact key, value and headers so its dead-letter record
 * can be compared byte for byte.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { buildOrder } from '../../../src/participants/order';
import { TOPICS, type OrderCreated } from '../../../src/sagas/order/contract';

export type PoisonKind = 'amount-20-digits' | 'nul-character' | 'invalid-unicode-escape' | 'garbage-bytes' | 'garbage-bytes-reply' | 'duplicate-event-id';

export interface Poison {
  kind: PoisonKind;
  /** Unprefixed topic (the contract's name). */
  topic: string;
  key: Buffer;
  value: Buffer;
  headers: Record<string, Buffer>;
  /** For a duplicate eventId: the order whose OrderCreated it repeats (a REPLY_CONFLICT on its saga also counts). */
  duplicateOf?: string;
}

const GARBAGE = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x80, 0x7b, 0x22]);

/** The ordinary poison kinds (the duplicate needs a real order, see `duplicateOf`). */
export function poisonMessages(): Poison[] {
  const headers = (kind: string): Record<string, Buffer> => ({ 'x-fault-kind': Buffer.from(kind), 'x-binary': Buffer.from([0xff, 0x00, 0xfe]) });
  const orderBytes = (order: OrderCreated) => Buffer.from(JSON.stringify(order), 'utf8');
  // Built as valid orders, then spoiled: the simulators' order builder validates what it builds.
  const hugeAmount = '12345678901234567890.00';
  const huge: OrderCreated = { ...buildOrder(), items: [{ productId: 'prod-huge', sku: 'SKU-HUGE', quantity: 1, unitPrice: hugeAmount }], totalAmount: hugeAmount };
  const nul: OrderCreated = { ...buildOrder(), customerId: 'customer-\u0000-nul' };
  // JSON.parse accepts a lone surrogate escape; PostgreSQL's jsonb does not.
  const surrogate = buildOrder({ customerId: 'customer-surrogate' });
  const surrogateText = JSON.stringify(surrogate).replace('"customer-surrogate"', '"customer-\\ud800-surrogate"');
  return [
    { kind: 'amount-20-digits', topic: TOPICS.orderCreated, key: Buffer.from(huge.orderId), value: orderBytes(huge), headers: headers('amount-20-digits') },
    { kind: 'nul-character', topic: TOPICS.orderCreated, key: Buffer.from(nul.orderId), value: orderBytes(nul), headers: headers('nul-character') },
    { kind: 'invalid-unicode-escape', topic: TOPICS.orderCreated, key: Buffer.from(surrogate.orderId), value: Buffer.from(surrogateText, 'utf8'), headers: headers('invalid-unicode-escape') },
    { kind: 'garbage-bytes', topic: TOPICS.orderCreated, key: Buffer.from(randomUUID()), value: GARBAGE, headers: headers('garbage-bytes') },
    { kind: 'garbage-bytes-reply', topic: TOPICS.paymentProcessed, key: Buffer.from(randomUUID()), value: GARBAGE, headers: headers('garbage-bytes-reply') },
  ];
}

/** The same eventId and orderId as a real OrderCreated, with another payload. */
export function duplicateEventId(original: OrderCreated): Poison {
  const changed = { ...original, orderNumber: `${original.orderNumber}-CONFLICT`, totalAmount: '1.00', items: [{ productId: 'prod-x', sku: 'SKU-X', quantity: 1, unitPrice: '1.00' }] };
  return {
    kind: 'duplicate-event-id', topic: TOPICS.orderCreated, key: Buffer.from(original.orderId),
    value: Buffer.from(JSON.stringify(changed), 'utf8'), headers: { 'x-fault-kind': Buffer.from('duplicate-event-id') }, duplicateOf: original.orderId,
  };
}

export class PoisonInjector {
  readonly injected: Poison[] = [];
  private readonly producer: Producer;

  constructor(brokers: string, private readonly prefix: string) {
    this.producer = new Kafka({ clientId: 'faults-poison', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 10 } }).producer({ allowAutoTopicCreation: false });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async inject(poison: Poison): Promise<void> {
    await this.producer.send({ topic: this.prefix + poison.topic, acks: -1, messages: [{ key: poison.key, value: poison.value, headers: poison.headers }] });
    this.injected.push(poison);
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
