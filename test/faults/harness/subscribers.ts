/**
 * Two watchers of the live streams. The healthy one reads everything: the resumable cross-saga
 * feed (it reconnects to any running instance with its last cursor, as a client should) and the
 * live step updates. The slow one subscribes and then never reads its socket again.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { wsAuth } from '../../helpers/auth';

const FEED = 'subscription Feed($after: String) { sagaEventFeed(after: $after) { cursor event { sagaId sequence type } } }';
const STEPS = 'subscription Steps { sagaStepUpdated { sagaId event { sequence type step } } }';

interface FeedItem { sagaEventFeed: { cursor: string; event: { sagaId: string; sequence: number; type: string } } }
interface StepItem { sagaStepUpdated: { sagaId: string; event: { sequence: number; type: string; step: string | null } } }

export class HealthySubscriber {
  /** Sequences per saga in the order the feed delivered them. */
  readonly feed = new Map<string, number[]>();
  /** Sequences of step events per saga from sagaStepUpdated (not resumable: only complete while never reconnected). */
  readonly steps = new Map<string, number[]>();
  readonly errors: string[] = [];
  reconnects = 0;
  /** When the current connection was acknowledged: live step events from then on must all arrive. */
  connectedAt: number | null = null;
  private cursor: string | null = null;
  private client?: Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly urls: () => string[]) {}

  start(): void {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const urls = this.urls();
    if (urls.length === 0) { this.scheduleReconnect(); return; }
    const url = urls[Math.floor(Math.random() * urls.length)];
    const client = createClient({
      url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: wsAuth('viewer'), retryAttempts: 0, lazy: true,
      on: { connected: () => { this.connectedAt = Date.now(); } },
    });
    this.client = client;
    let ended = false;
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      this.connectedAt = null;
      if (!this.stopped) this.errors.push(why);
      void client.dispose();
      this.scheduleReconnect();
    };
    client.subscribe<FeedItem>({ query: FEED, variables: { after: this.cursor } }, {
      next: (value) => {
        if (value.errors) { end(`feed: ${JSON.stringify(value.errors).slice(0, 300)}`); return; }
        const item = value.data!.sagaEventFeed;
        this.cursor = item.cursor;
        push(this.feed, item.event.sagaId, item.event.sequence);
      },
      error: (error) => end(`feed: ${describe(error)}`),
      complete: () => end('feed completed'),
    });
    client.subscribe<StepItem>({ query: STEPS }, {
      next: (value) => {
        if (value.errors) { this.errors.push(`steps: ${JSON.stringify(value.errors).slice(0, 300)}`); return; }
        const item = value.data!.sagaStepUpdated;
        push(this.steps, item.sagaId, item.event.sequence);
      },
      error: (error) => end(`steps: ${describe(error)}`),
      complete: () => undefined,
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.reconnects += 1;
    this.retry = setTimeout(() => this.connect(), 500);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.dispose();
  }
}

function push(map: Map<string, number[]>, sagaId: string, sequence: number): void {
  const list = map.get(sagaId);
  if (list) list.push(sequence);
  else map.set(sagaId, [sequence]);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const e = error as { code?: number; reason?: string };
  if (e && typeof e === 'object' && 'code' in e) return `socket closed ${e.code} ${e.reason ?? ''}`;
  return JSON.stringify(error);
}

/**
 * A graphql-ws client that acknowledges, subscribes (several times, to multiply what is pushed
 * at it) and then pauses its socket: the server's writes back up, as with a client on a dead
 * network or a frozen browser tab.
 */
export class SlowSubscriber {
  private ws?: WebSocket;
  /** Subscriptions the server accepted before the socket was paused. */
  subscribed = 0;

  async start(url: string, subscriptions = 10): Promise<void> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    this.ws = ws;
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: wsAuth('viewer') })));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        if (message.type !== 'connection_ack') return;
        for (let i = 0; i < subscriptions; i++) {
          ws.send(JSON.stringify({ id: `slow-${i}`, type: 'subscribe', payload: { query: i % 2 ? FEED : STEPS, variables: {} } }));
          this.subscribed += 1;
        }
        // Never read again: the kernel buffers fill, then the server's.
        (ws as unknown as { _socket: { pause(): void } })._socket.pause();
        resolve();
      });
      ws.once('close', (code) => reject(new Error(`slow subscriber closed before ack: ${code}`)));
      setTimeout(() => reject(new Error('slow subscriber: no connection_ack')), 10_000).unref();
    });
  }

  stop(): void {
    this.ws?.terminate();
  }
}
