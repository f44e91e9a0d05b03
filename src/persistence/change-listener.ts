import type { Logger } from '../logger';
import type { ChangeSource, ChangeSubscriber, CommittedSagaChange, SagaReads } from '../runtime/ports';
import { Subscribers } from './change-source';
import { PgChannel } from './pg-channel';
import { decodeSagaChangeNotice, mergeSagaChangeNotices, SAGA_CHANGES_CHANNEL, type SagaChangeNotice } from './saga-change-notice';

const RESYNC = 'resync' as const;
/** After announced changes could not be read, how long until subscribers re-read them themselves. */
const RESYNC_AFTER_FAILURE_MS = 1000;

/**
 * Fans committed saga changes out to this instance's subscribers, whichever instance committed
 * them. The writer NOTIFYs inside its transaction, so PostgreSQL delivers notices only after the
 * commit and in commit order; they are handled one batch at a time, in order, so a subscriber sees
 * one saga's changes in the order they were committed and never before. When nobody subscribes,
 * notices are dropped without touching the database. A subscriber that throws is logged and
 * skipped: it never costs the others their changes.
 */
export class SagaChangeListener implements ChangeSource<CommittedSagaChange> {
  private readonly channel: PgChannel;
  private queue: (SagaChangeNotice | typeof RESYNC)[] = [];
  private draining?: Promise<void>;
  private retry?: NodeJS.Timeout;
  /** Announced changes could not be read, and the resync that replaces them is not delivered yet. */
  private missed = false;
  private readonly subscribers: Subscribers<CommittedSagaChange>;

  constructor(url: string, private readonly reads: Pick<SagaReads, 'findManyByIds' | 'eventsBetween'>, private readonly logger: Logger) {
    this.subscribers = new Subscribers((error) => logger.error({ err: error }, 'a saga change subscriber failed; the others go on'));
    this.channel = new PgChannel(url, SAGA_CHANGES_CHANNEL, logger, {
      payload: (payload) => this.received(payload),
      reconnected: () => this.enqueue(RESYNC),
    });
  }

  start(): Promise<void> {
    return this.channel.start();
  }

  /** True while the LISTEN connection is up (for /ready). */
  get listening(): boolean {
    return this.channel.listening;
  }

  subscribe(subscriber: ChangeSubscriber<CommittedSagaChange> | ((change: CommittedSagaChange) => void)): () => void {
    return this.subscribers.add(subscriber);
  }

  async stop(): Promise<void> {
    if (this.retry) clearTimeout(this.retry);
    await this.draining;
    await this.channel.stop();
  }

  private received(payload: string): void {
    if (this.subscribers.size === 0) return;
    const notice = decodeSagaChangeNotice(payload);
    if (!notice) {
      this.logger.warn({ payload }, 'unreadable saga change notice');
      return;
    }
    this.enqueue(notice);
  }

  private enqueue(item: SagaChangeNotice | typeof RESYNC): void {
    if (this.subscribers.size === 0) {
      // Nobody to catch up: whoever subscribes later starts from then.
      if (item === RESYNC) this.missed = false;
      return;
    }
    this.queue.push(item);
    this.draining ??= this.drain().finally(() => { this.draining = undefined; });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.queue[0] === RESYNC) {
        this.queue.shift();
        this.missed = false;
        this.subscribers.resync();
        continue;
      }
      const end = this.queue.indexOf(RESYNC);
      const batch = this.queue.splice(0, Math.min(500, end === -1 ? this.queue.length : end)) as SagaChangeNotice[];
      // After a failed load nothing is delivered until the resync: a subscriber that resumes from
      // the last change it was given (the cross-saga step stream) must not be given a later one first.
      if (this.missed) continue;
      let changes: CommittedSagaChange[];
      try {
        changes = await this.load(batch);
      } catch (error) {
        // Subscribers catch up from storage by themselves once it answers again.
        this.logger.error({ err: error }, 'could not load announced saga changes; subscribers will re-read them');
        this.missed = true;
        this.retry ??= setTimeout(() => { this.retry = undefined; this.enqueue(RESYNC); }, RESYNC_AFTER_FAILURE_MS);
        continue;
      }
      await this.deliver(changes);
    }
  }

  /**
   * One change per turn of the event loop, so the subscriptions' sockets are written between two
   * (a batch at once would fill every subscriber's buffer in one go).
   */
  private async deliver(changes: CommittedSagaChange[]): Promise<void> {
    for (const [i, change] of changes.entries()) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      this.subscribers.change(change);
    }
  }

  /** The batch's changes, all read before any is delivered: a failed read delivers none of them. */
  private async load(batch: SagaChangeNotice[]): Promise<CommittedSagaChange[]> {
    // Several notices of one saga merge into one change carrying the latest state and every new event.
    const merged = new Map<string, SagaChangeNotice>();
    for (const notice of batch) {
      const seen = merged.get(notice.sagaId);
      merged.set(notice.sagaId, seen ? mergeSagaChangeNotices(seen, notice) : notice);
    }
    const sagas = new Map((await this.reads.findManyByIds([...merged.keys()])).map((r) => [r.state.id, r]));
    const changes: CommittedSagaChange[] = [];
    for (const notice of merged.values()) {
      const saga = sagas.get(notice.sagaId);
      if (!saga) continue;
      const events = notice.toSeq > notice.fromSeq ? await this.reads.eventsBetween(notice.sagaId, notice.fromSeq, notice.toSeq) : [];
      changes.push({ saga, events });
    }
    return changes;
  }
}
