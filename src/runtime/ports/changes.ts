/**
 * Committed changes as subscribers hear them, from whichever instance committed them: the LISTEN
 * fan-outs of persistence/ (change-listener.ts, bulk-progress-listener.ts) implement ChangeSource,
 * the GraphQL streams subscribe.
 */
import type { SagaEventRecord, SagaRecord } from './reads';

/** A committed change of one saga as every instance sees it: the saga after it and its new events. */
export interface CommittedSagaChange {
  saga: SagaRecord;
  events: SagaEventRecord[];
}

/**
 * What a subscriber of committed changes hears: each change, and `resync` when changes may have
 * been missed (the LISTEN connection was lost, or announced changes could not be read). On
 * `resync` each stream re-reads what it needs from its own last position; it is delivered once
 * LISTEN is active again, so whatever commits after that re-read is announced as usual.
 */
export interface ChangeSubscriber<T> {
  change(item: T): void;
  resync?(): void;
}

/** Where committed changes come from (the LISTEN fan-outs); a bare function hears changes only. */
export interface ChangeSource<T> {
  subscribe(subscriber: ChangeSubscriber<T> | ((item: T) => void)): () => void;
}
