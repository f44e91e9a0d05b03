import { Subscribers } from '../../../../src/persistence/change-source';
import type { ChangeSource, ChangeSubscriber } from '../../../../src/runtime/ports';

/** An in-memory change source: the test plays the listener (changes and resyncs). */
export class FakeChanges<T> implements ChangeSource<T> {
  readonly subscribers = new Subscribers<T>((error) => { throw error; });
  subscribe(subscriber: ChangeSubscriber<T> | ((item: T) => void)): () => void {
    return this.subscribers.add(subscriber);
  }
}

/** Lets queued promise work run (reads from fake storage resolve in microtasks). */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
