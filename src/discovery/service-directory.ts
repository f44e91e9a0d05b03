/**
 * Where `lb://<service>` routes find an instance to call: Eureka's registry (refreshed
 * periodically and after a failed call), with client-side round-robin over the UP instances,
 * and optionally static addresses for services Eureka knows no UP instance of.
 */
import type { Logger } from '../logger';
import type { EurekaClient } from './eureka-client';
import { upInstances, type ServiceInstance } from './eureka-model';

export type { ServiceInstance } from './eureka-model';

/** The port the HTTP participant transport uses. */
export interface ServiceDirectory {
  /** The next instance of `service` to call (round-robin), or undefined when none is known. */
  pick(service: string): Promise<ServiceInstance | undefined>;
  /** A call to `instance` failed at the network level: avoid it for a while and refresh. */
  reportFailure(service: string, instance: ServiceInstance): void;
}

/**
 * Round-robin over `instances`, skipping quarantined ones unless every one is (then a stale
 * quarantine is better than no call at all). `turn` is the caller's counter for this service.
 */
export function pickRoundRobin(instances: ServiceInstance[], turn: number, quarantined: (id: string) => boolean): ServiceInstance | undefined {
  if (instances.length === 0) return undefined;
  const healthy = instances.filter((i) => !quarantined(i.id));
  const from = healthy.length > 0 ? healthy : instances;
  return from[turn % from.length];
}

export interface EurekaDirectoryOptions {
  refreshMs: number;
  /** How long an instance whose call failed is skipped (Eureka may list it until its lease expires). */
  quarantineMs?: number;
  /** Refreshes asked for by failures are at most this often. */
  minRefreshGapMs?: number;
}

export class EurekaServiceDirectory implements ServiceDirectory {
  private registry = new Map<string, ServiceInstance[]>();
  private readonly turns = new Map<string, number>();
  private readonly quarantine = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private firstFetch: Promise<void> | undefined;
  private lastRefreshAt = 0;
  private failing = false;
  private readonly logger: Logger;
  private readonly quarantineMs: number;
  private readonly minRefreshGapMs: number;

  constructor(private readonly client: EurekaClient, logger: Logger, private readonly options: EurekaDirectoryOptions) {
    this.logger = logger.child({ component: 'eureka-directory' });
    this.quarantineMs = options.quarantineMs ?? 30_000;
    this.minRefreshGapMs = options.minRefreshGapMs ?? 1000;
  }

  /** Fetches the registry now (in the background) and then every refreshMs. */
  start(): void {
    this.firstFetch = this.refresh();
    this.timer = setInterval(() => { void this.refresh(); }, this.options.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async pick(service: string): Promise<ServiceInstance | undefined> {
    // Until the first fetch answered, commands wait for it rather than fail for nothing.
    if (this.lastRefreshAt === 0) await this.firstFetch;
    const key = service.toUpperCase();
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    const now = Date.now();
    return pickRoundRobin(this.registry.get(key) ?? [], turn, (id) => (this.quarantine.get(`${key}/${id}`) ?? 0) > now);
  }

  reportFailure(service: string, instance: ServiceInstance): void {
    this.quarantine.set(`${service.toUpperCase()}/${instance.id}`, Date.now() + this.quarantineMs);
    if (Date.now() - this.lastRefreshAt >= this.minRefreshGapMs) void this.refresh();
  }

  /** One registry fetch at a time; a failed fetch keeps the last known registry. */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        this.registry = upInstances(await this.client.applications());
        const now = Date.now();
        for (const [key, until] of this.quarantine) if (until <= now) this.quarantine.delete(key);
        if (this.failing) this.logger.info('Eureka registry reachable again');
        this.failing = false;
      } catch (error) {
        if (!this.failing) this.logger.warn({ err: (error as Error).message }, 'cannot fetch the Eureka registry; using the last one known');
        this.failing = true;
      } finally {
        this.lastRefreshAt = Date.now();
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}

/** Fixed addresses (PARTICIPANT_HTTP_SERVICES, the seed's services.<name>.url). */
export class StaticServiceDirectory implements ServiceDirectory {
  constructor(private readonly urls: Record<string, string>) {}

  async pick(service: string): Promise<ServiceInstance | undefined> {
    const url = this.urls[service.toLowerCase()];
    return url ? { id: `static:${service.toLowerCase()}`, baseUrl: url } : undefined;
  }

  reportFailure(): void {}
}

/** The first directory that knows an instance answers. */
export class FallbackServiceDirectory implements ServiceDirectory {
  private readonly owner = new WeakMap<ServiceInstance, ServiceDirectory>();

  constructor(private readonly directories: ServiceDirectory[]) {}

  async pick(service: string): Promise<ServiceInstance | undefined> {
    for (const directory of this.directories) {
      const instance = await directory.pick(service);
      if (instance) {
        this.owner.set(instance, directory);
        return instance;
      }
    }
    return undefined;
  }

  reportFailure(service: string, instance: ServiceInstance): void {
    this.owner.get(instance)?.reportFailure(service, instance);
  }
}
