import { Client } from 'pg';
import type { Logger } from '../logger';
import type { SagaEventRecord, SagaReadRepository, SagaRecord } from './saga-read-repository';
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
  private client?: Client;
  private queue: Notice[] = [];
  private draining?: Promise<void>;
  private readonly listeners = new Set<(change: CommittedSagaChange) => void>();
  private stopped = false;

  constructor(private readonly url: string, private readonly reads: SagaReadRepository, private readonly logger: Logger) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (this.listeners.size === 0 || !message.payload) return;
      try {
        this.queue.push(JSON.parse(message.payload) as Notice);
      } catch {
        this.logger.warn({ payload: message.payload }, 'unreadable saga change notice');
        return;
      }
      this.draining ??= this.drain().finally(() => { this.draining = undefined; });
    });
    client.on('error', (error) => {
      this.logger.error({ err: error }, 'saga change listener connection failed; reconnecting');
      this.client = undefined;
      if (!this.stopped) setTimeout(() => void this.start().catch((e) => this.logger.error({ err: e }, 'reconnect failed')), 1000);
    });
    await client.connect();
    await client.query(`listen ${SAGA_CHANGES_CHANNEL}`);
    this.client = client;
  }

  subscribe(listener: (change: CommittedSagaChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.draining;
    await this.client?.end().catch(() => undefined);
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
