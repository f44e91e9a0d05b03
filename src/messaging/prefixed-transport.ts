import type { BatchHandler, MessageTransport, OutgoingMessage, PublishReceipt, SubscribeOptions, Subscription } from '../runtime/ports';

/**
 * Puts every topic under a prefix (KAFKA_TOPIC_PREFIX), so several environments or test runs can
 * share one broker without reading each other's messages. The rest of the service keeps the
 * contract's topic names: the prefix is added on the way out and removed on the way in.
 */
export class PrefixedTransport implements MessageTransport {
  constructor(private readonly inner: MessageTransport, private readonly prefix: string) {}

  private out(topic: string): string {
    return `${this.prefix}${topic}`;
  }

  private in(topic: string): string {
    return topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
  }

  async publish(messages: OutgoingMessage[]): Promise<PublishReceipt[]> {
    const receipts = await this.inner.publish(messages.map((m) => ({ ...m, topic: this.out(m.topic) })));
    return receipts.map((r) => ({ ...r, topic: this.in(r.topic) }));
  }

  subscribe(options: SubscribeOptions, handler: BatchHandler): Promise<Subscription> {
    return this.inner.subscribe(
      {
        ...options,
        topics: options.topics.map((t) => this.out(t)),
        onAssigned: options.onAssigned && ((assigned) => options.onAssigned!(assigned.map((p) => ({ ...p, topic: this.in(p.topic) })))),
      },
      (batch) => handler(batch.map((m) => ({ ...m, topic: this.in(m.topic) }))),
    );
  }

  ensureTopics(topics: string[]): Promise<void> {
    return this.inner.ensureTopics(topics.map((t) => this.out(t)));
  }

  isHealthy(): Promise<boolean> {
    return this.inner.isHealthy();
  }

  async committedOffsets(groupId: string, topics: string[]): Promise<Map<string, bigint>> {
    if (!this.inner.committedOffsets) return new Map();
    const found = await this.inner.committedOffsets(groupId, topics.map((t) => this.out(t)));
    return new Map([...found].map(([key, offset]) => [this.in(key), offset]));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
