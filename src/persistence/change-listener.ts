import type { Logger } from '../logger';
import type { SagaEventRecord, SagaReadRepository, SagaRecord } from './saga-read-repository';
import { PgChannel } from './pg-channel';
import { SAGA_CHANGES_CHANNEL } from './saga-repository';

/** A committed change of one saga as every instance sees it: the saga after it and its new events. */
export interface CommittedSagaChange {
  saga: SagaRecord;
  events: SagaEventRecord[];
}

interface Notice { s: string; v: number; f: number; t: number }

/**
 * Fans committed saga changes out to this instance's subscribers, whichever instance committed
 * them. The writer NOTIFYs inside its transaction, so PostgreSQL delivers notices only after the
 * commit and in commit order; they are handled one batch at a time, in order, so a subscriber sees
 * one saga's changes in the order they were committed and never before. When nobody subscribes,
 * notices are dropped without touching the database.
 */
export class SagaChangeListener {
  private readonly channel: PgChannel;
  private queue: Notice[] = [];
  private draining?: Promise<void>;
  private readonly listeners = new Set<(change: CommittedSagaChange) => void>();

  constructor(url: string, private readonly reads: SagaReadRepository, private readonly logger: Logger) {
    this.channel = new PgChannel(url, SAGA_CHANGES_CHANNEL, logger, (payload) => this.received(payload));
  }

  start(): Promise<void> {
    return this.channel.start();
  }

  private received(payload: string): void {
    if (this.listeners.size === 0) return;
    try {
      this.queue.push(JSON.parse(payload) as Notice);
    } catch {
      this.logger.warn({ payload }, 'unreadable saga change notice');
      return;
    }
    this.draining ??= this.drain().finally(() => { this.draining = undefined; });
  }

  subscribe(listener: (change: CommittedSagaChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    await this.draining;
    await this.channel.stop();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 500);
      try {
        // Several notices of one saga merge into one change carrying the latest state and
        // every new event, so a subscriber never sees a state older than one already shown.
        const merged = new Map<string, Notice>();
        for (const n of batch) {
          const seen = merged.get(n.s);
          merged.set(n.s, seen ? { s: n.s, v: Math.max(seen.v, n.v), f: Math.min(seen.f, n.f), t: Math.max(seen.t, n.t) } : n);
        }
        const sagas = new Map((await this.reads.findManyByIds([...merged.keys()])).map((r) => [r.state.id, r]));
        for (const notice of merged.values()) {
          const saga = sagas.get(notice.s);
          if (!saga) continue;
          const events = notice.t > notice.f ? await this.reads.eventsBetween(notice.s, notice.f, notice.t) : [];
          for (const listener of this.listeners) listener({ saga, events });
        }
      } catch (error) {
        this.logger.error({ err: error }, 'could not load announced saga changes');
      }
    }
  }
}
