/**
 * Reads every `<topic>.dlq` of the orchestrator's inbound topics from the beginning, raw, and
 * decodes each record as CONTRACT.md fixes it: a JSON value with `error`, `topic`, `partition`,
 * `offset`, `key` and `value` (original bytes, base64), `headers` (each header's bytes, base64),
 * `deadLetteredAt`; headers `x-dlq-error`, `x-original-topic`; the original key.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { dlqTopic } from '../../../src/messaging/contract';
import { INBOUND_TOPICS } from '../../../src/sagas/order/contract';

export interface DeadLetter {
  /** The DLQ topic, unprefixed. */
  dlqTopic: string;
  kafkaKey: Buffer | null;
  kafkaHeaders: Record<string, Buffer>;
  raw: Buffer;
  /** The decoded record, or the reason it could not be decoded. */
  record: Record<string, unknown> | null;
  decodeError?: string;
}

/** The original value's bytes as the record holds them (undefined when not base64-decodable as the contract says). */
export function originalValue(d: DeadLetter): Buffer | undefined {
  const v = d.record?.value;
  return typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) ? Buffer.from(v, 'base64') : undefined;
}

export function originalHeader(d: DeadLetter, name: string): Buffer | undefined {
  const h = (d.record?.headers as Record<string, unknown> | undefined)?.[name];
  return typeof h === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(h) ? Buffer.from(h, 'base64') : undefined;
}

export class DeadLetterWatch {
  readonly records: DeadLetter[] = [];
  private readonly kafka: Kafka;
  private consumer?: Consumer;

  constructor(brokers: string, private readonly prefix: string) {
    this.kafka = new Kafka({ clientId: 'faults-dlq', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  }

  async start(): Promise<void> {
    const topics = INBOUND_TOPICS.map((t) => this.prefix + dlqTopic(t));
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      for (let attempt = 1; missing.length; attempt++) {
        try {
          await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: 4 })) });
          break;
        } catch (error) {
          // Right after a broker restart the new topics' leaders can take a moment.
          if (attempt >= 20) throw error;
          await sleep(250 * attempt);
        }
      }
    } finally {
      await admin.disconnect();
    }
    this.consumer = this.kafka.consumer({ groupId: `faults-dlq-${randomUUID()}` });
    await this.consumer.connect();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.consumer.subscribe({ topics, fromBeginning: true });
        break;
      } catch (error) {
        // Metadata of topics created a moment ago may lag, more so after a broker fault.
        if (attempt >= 40) throw error;
        await sleep(250 * Math.min(attempt, 8));
      }
    }
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const raw = message.value ?? Buffer.alloc(0);
        const headers: Record<string, Buffer> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
        const d: DeadLetter = { dlqTopic: topic.slice(this.prefix.length), kafkaKey: message.key, kafkaHeaders: headers, raw, record: null };
        try {
          const parsed = JSON.parse(raw.toString('utf8'));
          if (parsed && typeof parsed === 'object') d.record = parsed as Record<string, unknown>;
          else d.decodeError = 'not a JSON object';
        } catch (error) {
          d.decodeError = (error as Error).message;
        }
        this.records.push(d);
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
