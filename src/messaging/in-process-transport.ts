import { setTimeout as sleep } from 'node:timers/promises';
import {
  receivedMessage, type BatchHandler, type MessageTransport, type OutgoingMessage, type PublishReceipt, type SubscribeOptions, type Subscription,
  type TransportMessage,
} from '../runtime/ports';

/**
 * A broker-less MessageTransport for running on embedded defaults: one in-memory log per topic
 * (a single partition), consumer groups with committed offsets, and redelivery of a batch whose
 * handler threw. Nothing survives a restart; the outbox in PostgreSQL is what makes that safe,
 * since unpublished messages are published again when the service comes back.
 */
export class InProcessTransport implements MessageTransport {
  private readonly logs = new Map<string, TransportMessage[]>();
  private readonly groups = new Map<string, Map<string, number>>();
  private readonly wakers = new Set<() => void>();
  private closed = false;

  async ensureTopics(topics: string[]): Promise<void> {
    for (const topic of topics) if (!this.logs.has(topic)) this.logs.set(topic, []);
  }

  async publish(messages: OutgoingMessage[]): Promise<PublishReceipt[]> {
    if (this.closed) throw new Error('transport is closed');
    const receipts = messages.map((m) => {
      const log = this.logs.get(m.topic) ?? [];
      this.logs.set(m.topic, log);
      const offset = String(log.length);
      const keyBytes = m.keyBytes !== undefined ? m.keyBytes : Buffer.from(m.key);
      const headerBytes = Object.fromEntries(Object.entries(m.headers ?? {}).map(([name, v]) => [name, [Buffer.from(v)]]));
      log.push(receivedMessage(m.topic, 0, offset, keyBytes, Buffer.from(m.value), headerBytes));
      return { topic: m.topic, partition: 0, offset };
    });
    for (const wake of this.wakers) wake();
    return receipts;
  }

  async subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    await this.ensureTopics(options.topics);
    const offsets = this.groups.get(options.groupId) ?? new Map<string, number>();
    this.groups.set(options.groupId, offsets);
    for (const topic of options.topics) {
      if (!offsets.has(topic)) offsets.set(topic, options.fromBeginning === false ? this.logs.get(topic)!.length : 0);
    }
    let running = true;
    let wake: () => void = () => undefined;
    const waker = () => wake();
    this.wakers.add(waker);
    const loop = async () => {
      while (running) {
        let delivered = false;
        for (const topic of options.topics) {
          const log = this.logs.get(topic)!;
          const from = offsets.get(topic)!;
          if (from >= log.length) continue;
          const batch = log.slice(from, from + 500);
          try {
            await handler(batch);
            offsets.set(topic, from + batch.length);
          } catch {
            // Redeliver after a pause, as a broker would after a failed batch.
            await sleep(200);
          }
          delivered = true;
        }
        if (!delivered && running) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 1000);
            wake = () => { clearTimeout(timer); resolve(); };
          });
        }
      }
    };
    const done = loop();
    return {
      stop: async () => {
        running = false;
        wake();
        this.wakers.delete(waker);
        await done;
      },
    };
  }

  async isHealthy(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.wakers) wake();
  }
}
