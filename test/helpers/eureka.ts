import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'eureka.sh');


/** A real Spring Cloud Eureka server from scripts/eureka.sh on a port of its own, stoppable and restartable. */
export class EurekaServer {
  private constructor(readonly port: number) {}

  /** http://127.0.0.1:<port>/eureka, as EUREKA_SERVICE_URL takes it. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/eureka`;
  }

  static async start(): Promise<EurekaServer> {
    const server = new EurekaServer(await freePort());
    await server.start();
    return server;
  }

  /** Starts it (again): a fresh server with an empty registry, as after a restart. */
  async start(): Promise<void> {
    // A JVM on a busy 2-core machine can take minutes to start.
    const env = { ...process.env, EUREKA_PORT: String(this.port), EUREKA_START_TIMEOUT: process.env.EUREKA_START_TIMEOUT ?? '240' };
    const { stdout } = await run('bash', [SCRIPT, 'start'], { env, timeout: 300_000 });
    if (!stdout.trim().endsWith(`EUREKA_URL=${this.url}`)) throw new Error(`scripts/eureka.sh start printed: ${stdout}`);
  }

  async stop(): Promise<void> {
    await run('bash', [SCRIPT, 'stop'], { env: { ...process.env, EUREKA_PORT: String(this.port) }, timeout: 60_000 });
  }

  /** GET /eureka/apps/{APP}: the app's instances, or undefined when Eureka knows none. */
  async instances(app: string): Promise<any[] | undefined> {
    const response = await fetch(`${this.url}/apps/${app.toUpperCase()}`, { headers: { accept: 'application/json' } });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GET apps/${app}: HTTP ${response.status}`);
    const instance = ((await response.json()) as { application: { instance: any } }).application.instance;
    return Array.isArray(instance) ? instance : [instance];
  }
}

type Responder = (command: Record<string, unknown>) => Record<string, unknown>;

const envelope = (command: Record<string, unknown>, eventType: string) => ({
  eventId: randomUUID(), eventType, sagaId: command.sagaId, orderId: command.orderId, correlationId: command.correlationId,
  causationId: command.eventId, timestamp: new Date().toISOString(), retryCount: 0,
});

/** The Product service's three commands, answered as the real service would over HTTP. */
const PRODUCT: Record<string, Responder> = {
  '/reserve': (c) => ({
    ...envelope(c, 'ProductReserved'), reservationId: `res-${String(c.orderId)}`,
    products: (c.items as { productId: string; sku: string; quantity: number }[]).map(({ productId, sku, quantity }) => ({ productId, sku, quantity })),
    expirationTime: new Date(Date.now() + 60_000).toISOString(),
  }),
  '/confirm': (c) => ({ ...envelope(c, 'InventoryConfirmed'), reservationId: c.reservationId }),
  '/release': (c) => ({ ...envelope(c, 'InventoryReleased'), reservationId: c.reservationId }),
};

/**
 * One instance of an HTTP Product service that registers itself in Eureka (and renews, and
 * registers again after Eureka restarted) like a Spring service would.
 */
export class ProductInstance {
  /** Paths of the commands this instance answered. */
  readonly hits: string[] = [];
  port = 0;
  private renewer: NodeJS.Timeout | undefined;
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const respond = PRODUCT[req.url ?? ''];
      if (req.method !== 'POST' || !respond) { res.writeHead(404).end(); return; }
      this.hits.push(req.url!);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(respond(JSON.parse(Buffer.concat(chunks).toString('utf8')))));
    });
  });

  constructor(private readonly eureka: EurekaServer, readonly app: string) {}

  get instanceId(): string {
    return `127.0.0.1:${this.app}:${this.port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    await this.register();
    this.renewer = setInterval(() => { void this.renew(); }, 2000);
  }

  private async register(): Promise<void> {
    const response = await fetch(`${this.eureka.url}/apps/${this.app}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        instance: {
          instanceId: this.instanceId, app: this.app, hostName: '127.0.0.1', ipAddr: '127.0.0.1', status: 'UP',
          port: { $: this.port, '@enabled': 'true' }, securePort: { $: 443, '@enabled': 'false' },
          dataCenterInfo: { '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo', name: 'MyOwn' },
          leaseInfo: { renewalIntervalInSecs: 2, durationInSecs: 60 }, vipAddress: this.app.toLowerCase(),
        },
      }),
    });
    if (response.status !== 204) throw new Error(`registering ${this.instanceId}: HTTP ${response.status}`);
  }

  private async renew(): Promise<void> {
    try {
      const response = await fetch(`${this.eureka.url}/apps/${this.app}/${encodeURIComponent(this.instanceId)}`, { method: 'PUT' });
      if (response.status === 404) await this.register();
    } catch {
      // Eureka is down: try again at the next beat.
    }
  }

  /** Dies without deregistering: Eureka keeps listing it as UP until its lease runs out. */
  async crash(): Promise<void> {
    clearInterval(this.renewer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
