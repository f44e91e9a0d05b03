/**
 * Service discovery, wired from the configuration: this instance's Eureka registration, and the
 * directory `lb://<service>` participant routes resolve through (Eureka first, then the static
 * addresses). Without a Eureka URL and static addresses everything here is a no-op.
 */
import { hostname, networkInterfaces } from 'node:os';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { EurekaClient } from './eureka-client';
import type { InstanceSpec } from './eureka-model';
import { EurekaRegistration } from './eureka-registration';
import { EurekaServiceDirectory, FallbackServiceDirectory, StaticServiceDirectory, type ServiceDirectory } from './service-directory';

export type { ServiceDirectory, ServiceInstance } from './service-directory';

export interface Discovery {
  /** For `lb://` routes; undefined when nothing can resolve a service name. */
  services?: ServiceDirectory;
  /** Starts registering this instance (listening on `port`) in the background; returns its stop (deregisters). */
  register(port: number): () => Promise<void>;
  /** Stops refreshing the registry. */
  stop(): Promise<void>;
}

export function createDiscovery(config: Config, logger: Logger): Discovery {
  const eureka = config.eureka;
  const client = eureka.enabled && eureka.serviceUrl.length > 0 ? new EurekaClient(eureka.serviceUrl) : undefined;
  const directories: ServiceDirectory[] = [];
  let directory: EurekaServiceDirectory | undefined;
  if (client && eureka.fetchRegistry) {
    directory = new EurekaServiceDirectory(client, logger, { refreshMs: eureka.registryFetchSeconds * 1000 });
    directory.start();
    directories.push(directory);
  }
  if (Object.keys(config.participantHttp.services).length > 0) directories.push(new StaticServiceDirectory(config.participantHttp.services));

  return {
    services: directories.length === 0 ? undefined : directories.length === 1 ? directories[0] : new FallbackServiceDirectory(directories),
    register(port) {
      if (!client || !eureka.register) return async () => undefined;
      const registration = new EurekaRegistration(client, instanceSpec(config, port), logger);
      registration.start();
      return () => registration.stop();
    },
    async stop() {
      directory?.stop();
    },
  };
}

/** What Spring Cloud would register for this instance, with the same defaults. */
export function instanceSpec(config: Config, port: number): InstanceSpec {
  const e = config.eureka;
  const bound = ['0.0.0.0', '::', ''].includes(config.server.host) ? undefined : config.server.host;
  const ipAddr = e.ipAddress ?? (bound && /^\d+\.\d+\.\d+\.\d+$/.test(bound) ? bound : firstIPv4());
  const hostName = e.preferIpAddress ? ipAddr : e.hostname ?? bound ?? hostname();
  return {
    app: e.appName,
    instanceId: e.instanceId ?? `${hostName}:${e.appName}:${port}`,
    hostName,
    ipAddr,
    port,
    renewalIntervalSeconds: e.renewalIntervalSeconds,
    leaseDurationSeconds: e.leaseDurationSeconds,
  };
}

function firstIPv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}
