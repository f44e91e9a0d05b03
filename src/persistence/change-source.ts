import type { ChangeSource, ChangeSubscriber } from '../runtime/ports';

/**
 * The subscribers of one fan-out. Each call is isolated: a subscriber that throws is reported and
 * skipped, and never costs the others their changes.
 */
export class Subscribers<T> {
  private readonly entries = new Set<ChangeSubscriber<T>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  get size(): number {
    return this.entries.size;
  }

  add(subscriber: ChangeSubscriber<T> | ((item: T) => void)): () => void {
    // An entry of its own, so subscribing the same object twice is two subscriptions.
    const entry: ChangeSubscriber<T> = typeof subscriber === 'function'
      ? { change: subscriber }
      : { change: (item) => subscriber.change(item), resync: () => subscriber.resync?.() };
    this.entries.add(entry);
    return () => { this.entries.delete(entry); };
  }

  change(item: T): void {
    this.each((s) => s.change(item));
  }

  resync(): void {
    this.each((s) => s.resync?.());
  }

  private each(call: (subscriber: ChangeSubscriber<T>) => void): void {
    for (const subscriber of [...this.entries]) {
      try {
        call(subscriber);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
