import type { Logger } from '../logger';
import { BULK_PROGRESS_CHANNEL, type BulkProgressNotice } from './bulk-action-repository';
import { PgChannel } from './pg-channel';

/**
 * Fans bulk action progress notices out to this instance's subscribers, whichever instance
 * recorded the progress (the sibling of change-listener.ts, on its own channel). A notice only
 * says "bulk action X has news": subscribers read what is new from the table, so a lost notice
 * (a reconnect) costs latency, not data.
 */
export class BulkProgressListener {
  private readonly channel: PgChannel;
  private readonly listeners = new Set<(notice: BulkProgressNotice) => void>();

  constructor(url: string, private readonly logger: Logger) {
    this.channel = new PgChannel(url, BULK_PROGRESS_CHANNEL, logger, (payload) => this.received(payload));
  }

  start(): Promise<void> {
    return this.channel.start();
  }

  private received(payload: string): void {
    if (this.listeners.size === 0) return;
    let notice: BulkProgressNotice;
    try {
      notice = JSON.parse(payload) as BulkProgressNotice;
    } catch {
      this.logger.warn({ payload }, 'unreadable bulk progress notice');
      return;
    }
    for (const listener of this.listeners) listener(notice);
  }

  subscribe(listener: (notice: BulkProgressNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): Promise<void> {
    return this.channel.stop();
  }
}
