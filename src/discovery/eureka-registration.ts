/**
 * Keeps this instance registered in Eureka: registers, renews its lease every renewal interval,
 * registers again when Eureka forgot it (a restarted server answers a renewal with 404), and
 * deregisters on stop. Everything runs in the background: Eureka being down only delays the
 * registration, it never blocks or fails the service.
 */
import type { Logger } from '../logger';
import type { EurekaClient } from './eureka-client';
import type { InstanceSpec } from './eureka-model';

export interface RegistrationOptions {
  /** First retry delay after a failed registration; doubles up to the renewal interval. */
  retryInitialMs?: number;
  /** How long stop() waits for the DELETE before giving up. */
  deregisterTimeoutMs?: number;
}

export type RegistrationState = 'registering' | 'registered' | 'stopped';

export class EurekaRegistration {
  private state: RegistrationState = 'registering';
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private retryMs: number;
  private failing = false;
  private readonly renewalMs: number;
  private readonly retryInitialMs: number;
  private readonly deregisterTimeoutMs: number;
  private readonly logger: Logger;

  constructor(private readonly client: EurekaClient, private readonly spec: InstanceSpec, logger: Logger, options: RegistrationOptions = {}) {
    this.renewalMs = spec.renewalIntervalSeconds * 1000;
    this.retryInitialMs = Math.min(options.retryInitialMs ?? 1000, this.renewalMs);
    this.retryMs = this.retryInitialMs;
    this.deregisterTimeoutMs = options.deregisterTimeoutMs ?? 3000;
    this.logger = logger.child({ component: 'eureka', app: spec.app, instanceId: spec.instanceId });
  }

  get status(): RegistrationState {
    return this.state;
  }

  /** Starts registering in the background; returns at once. */
  start(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.state === 'stopped') return;
    this.timer = setTimeout(() => {
      this.inFlight = this.beat().finally(() => { this.inFlight = undefined; });
    }, delayMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      if (this.state === 'registered') {
        const result = await this.client.renew(this.spec.app, this.spec.instanceId);
        if (result === 'unknown') {
          this.logger.info('Eureka does not know this instance (restarted or evicted it): registering again');
          this.state = 'registering';
          await this.register();
        }
      } else {
        await this.register();
      }
      if (this.failing) this.logger.info('Eureka reachable again');
      this.failing = false;
      this.retryMs = this.retryInitialMs;
      this.schedule(this.renewalMs);
    } catch (error) {
      // Logged once per outage; the saga work does not depend on Eureka.
      if (!this.failing) this.logger.warn({ err: (error as Error).message, retryMs: this.retryMs }, 'Eureka unreachable; retrying in the background');
      this.failing = true;
      const delay = this.state === 'registered' ? this.renewalMs : this.retryMs;
      this.retryMs = Math.min(this.retryMs * 2, this.renewalMs);
      this.schedule(delay);
    }
  }

  private async register(): Promise<void> {
    await this.client.register(this.spec);
    if (this.state === 'stopped') return;
    this.state = 'registered';
    this.logger.info({ host: this.spec.hostName, port: this.spec.port }, 'registered with Eureka');
  }

  /** Stops renewing and deregisters (best effort, bounded): Eureka stops routing to us at once instead of after the lease expires. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    clearTimeout(this.timer);
    await this.inFlight?.catch(() => undefined);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, this.deregisterTimeoutMs, 'timeout').unref());
    try {
      const result = await Promise.race([this.client.deregister(this.spec.app, this.spec.instanceId), timeout]);
      if (result === 'timeout') this.logger.warn('Eureka did not answer the deregistration in time; the lease will expire');
      else this.logger.info('deregistered from Eureka');
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'deregistration failed; the lease will expire');
    }
  }
}
