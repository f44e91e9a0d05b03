import { Client } from 'pg';
import type { Logger } from '../logger';

/** How long to wait before reconnect attempt `attempt` (1, 2, ...): doubling from initialMs, capped at maxMs. */
export function reconnectDelay(attempt: number, policy: ReconnectPolicy): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

export interface ReconnectPolicy {
  initialMs: number;
  maxMs: number;
}

export interface ChannelHandlers {
  payload(payload: string): void;
  /** After a reconnect, once LISTEN is active again: notices sent while away are lost, catch up now. */
  reconnected(): void;
}

const DEFAULT_POLICY: ReconnectPolicy = { initialMs: 100, maxMs: 5000 };

/**
 * One dedicated connection LISTENing on a PostgreSQL channel. NOTIFY is transactional, so payloads
 * arrive after their commit and in commit order. A lost connection is re-established for as long
 * as it takes, with capped exponential back-off; notices sent while it was away are gone, so
 * `reconnected` tells the owner to catch up from storage.
 */
export class PgChannel {
  private client?: Client;
  private stopped = false;
  private attempts = 0;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly logger: Logger,
    private readonly handlers: ChannelHandlers,
    private readonly policy: ReconnectPolicy = DEFAULT_POLICY,
  ) {}

  /** Connects and LISTENs; fails if the first connection fails (the service does not start without it). */
  start(): Promise<void> {
    return this.connect();
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.url, keepAlive: true });
    client.on('notification', (message) => { if (message.payload && client === this.client) this.handlers.payload(message.payload); });
    // Until LISTEN is active a failure is the connect call's to report; after that, it is a lost connection.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.attempts > 0) {
      this.logger.info({ channel: this.channel, attempts: this.attempts }, 'LISTEN connection re-established');
      this.attempts = 0;
      this.handlers.reconnected();
    }
  }

  private lost(client: Client, error?: Error): void {
    if (client !== this.client) return;
    this.client = undefined;
    void client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.error({ err: error, channel: this.channel }, 'LISTEN connection lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retry) return;
    this.attempts += 1;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.connect().catch((error: Error) => {
        this.logger.warn({ err: error, channel: this.channel, attempts: this.attempts }, 'LISTEN reconnect failed; trying again');
        this.scheduleReconnect();
      });
    }, reconnectDelay(this.attempts, this.policy));
  }
}

/** A NOTIFY payload's JSON object, or null when the payload is not one (the notices' decoders start here). */
export function payloadObject(payload: string): Record<string, unknown> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
}
