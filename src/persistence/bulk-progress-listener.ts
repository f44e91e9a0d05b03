import { Client } from 'pg';
import type { Logger } from '../logger';
import { BULK_PROGRESS_CHANNEL, type BulkProgressNotice } from './bulk-action-repository';

/**
 * Fans bulk action progress notices out to this instance's subscribers, whichever instance
 * recorded the progress (the sibling of change-listener.ts, on its own channel). A notice only
 * says "bulk action X has news": subscribers read what is new from the table, so a lost notice
 * (a reconnect) costs latency, not data.
 */
export class BulkProgressListener {
  private client?: Client;
  private readonly listeners = new Set<(notice: BulkProgressNotice) => void>();
  private stopped = false;

  constructor(private readonly url: string, private readonly logger: Logger) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (this.listeners.size === 0 || !message.payload) return;
      let notice: BulkProgressNotice;
      try {
        notice = JSON.parse(message.payload) as BulkProgressNotice;
      } catch {
        this.logger.warn({ payload: message.payload }, 'unreadable bulk progress notice');
        return;
      }
      for (const listener of this.listeners) listener(notice);
    });
    client.on('error', (error) => {
      this.logger.error({ err: error }, 'bulk progress listener connection failed; reconnecting');
      this.client = undefined;
      if (!this.stopped) setTimeout(() => void this.start().catch((e) => this.logger.error({ err: e }, 'reconnect failed')), 1000);
    });
    await client.connect();
    await client.query(`listen ${BULK_PROGRESS_CHANNEL}`);
    this.client = client;
  }

  subscribe(listener: (notice: BulkProgressNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }
}
