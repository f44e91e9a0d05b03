import { Client } from 'pg';
import type { Logger } from '../logger';

/**
 * One dedicated connection LISTENing on a PostgreSQL channel, reconnecting after a failure.
 * Each payload goes to `onPayload`; NOTIFY is transactional, so payloads arrive after their
 * commit and in commit order.
 */
export class PgChannel {
  private client?: Client;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly logger: Logger,
    private readonly onPayload: (payload: string) => void,
  ) {}

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.url });
    client.on('notification', (message) => { if (message.payload) this.onPayload(message.payload); });
    client.on('error', (error) => {
      this.logger.error({ err: error, channel: this.channel }, 'LISTEN connection failed; reconnecting');
      this.client = undefined;
      if (!this.stopped) setTimeout(() => void this.start().catch((e) => this.logger.error({ err: e }, 'reconnect failed')), 1000);
    });
    await client.connect();
    await client.query(`listen ${this.channel}`);
    this.client = client;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => undefined);
  }
}
