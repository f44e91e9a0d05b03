import type { SagaChange } from './ports';

export type ChangeListener = (change: SagaChange) => void;

/** Committed saga changes, in commit order, for whoever listens (GraphQL subscriptions, tests). */
export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  publish(changes: SagaChange[]): void {
    for (const change of changes) for (const listener of this.listeners) listener(change);
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
