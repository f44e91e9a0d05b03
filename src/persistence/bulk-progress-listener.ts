import type { Logger } from '../logger';
import type { BulkProgressNotice, ChangeSource, ChangeSubscriber } from '../runtime/ports';
import { BULK_PROGRESS_CHANNEL, decodeBulkProgressNotice } from './bulk-progress-notice';
import { Subscribers } from './change-source';
import { PgChannel } from './pg-channel';

/**
 * Fans bulk action progress notices out to this instance's subscribers, whichever instance
 * recorded the progress (the sibling of change-listener.ts, on its own channel). A notice only
 * says "bulk action X has news": subscribers read what is new from the table, so a lost notice
 * costs latency, not data, and after a reconnect `resync` has them read at once.
 */
export class BulkProgressListener implements ChangeSource<BulkProgressNotice> {
  private readonly channel: PgChannel;
  private readonly subscribers: Subscribers<BulkProgressNotice>;

  constructor(url: string, private readonly logger: Logger) {
    this.subscribers = new Subscribers((error) => logger.error({ err: error }, 'a bulk progress subscriber failed; the others go on'));
    this.channel = new PgChannel(url, BULK_PROGRESS_CHANNEL, logger, {
      payload: (payload) => this.received(payload),
      reconnected: () => this.subscribers.resync(),
    });
  }

  start(): Promise<void> {
    return this.channel.start();
  }

  /** True while the LISTEN connection is up (for /ready). */
  get listening(): boolean {
    return this.channel.listening;
  }

  private received(payload: string): void {
    if (this.subscribers.size === 0) return;
    const notice = decodeBulkProgressNotice(payload);
    if (notice) this.subscribers.change(notice);
    else this.logger.warn({ payload: payload.slice(0, 200) }, 'unreadable bulk progress notice');
  }

  subscribe(subscriber: ChangeSubscriber<BulkProgressNotice> | ((notice: BulkProgressNotice) => void)): () => void {
    return this.subscribers.add(subscriber);
  }

  stop(): Promise<void> {
    return this.channel.stop();
  }
}
