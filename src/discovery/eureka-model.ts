/**
 * Eureka's JSON shapes (the REST API of Netflix Eureka 1.x, as Spring Cloud's server serves it) and
 * the pure functions between them and ours. No I/O here.
 */

/** What this service announces about itself. */
export interface InstanceSpec {
  app: string;
  instanceId: string;
  hostName: string;
  ipAddr: string;
  port: number;
  renewalIntervalSeconds: number;
  leaseDurationSeconds: number;
}

/** One registered instance of a service, reduced to what a caller needs. */
export interface ServiceInstance {
  /** Eureka's instanceId, unique within the app. */
  id: string;
  /** `http://host:port` (or https when only the secure port is enabled). */
  baseUrl: string;
}

/** The `{"instance": ...}` body of POST /eureka/apps/{APP}. */
export function registrationBody(spec: InstanceSpec): { instance: Record<string, unknown> } {
  const base = `http://${spec.hostName}:${spec.port}`;
  const now = String(Date.now());
  return {
    instance: {
      instanceId: spec.instanceId,
      app: spec.app.toUpperCase(),
      hostName: spec.hostName,
      ipAddr: spec.ipAddr,
      status: 'UP',
      overriddenStatus: 'UNKNOWN',
      port: { $: spec.port, '@enabled': 'true' },
      securePort: { $: 443, '@enabled': 'false' },
      countryId: 1,
      // Eureka requires a data centre; MyOwn is what every non-AWS client sends.
      dataCenterInfo: { '@class': 'com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo', name: 'MyOwn' },
      leaseInfo: { renewalIntervalInSecs: spec.renewalIntervalSeconds, durationInSecs: spec.leaseDurationSeconds },
      homePageUrl: `${base}/`,
      statusPageUrl: `${base}/ready`,
      healthCheckUrl: `${base}/health`,
      vipAddress: spec.app.toLowerCase(),
      secureVipAddress: spec.app.toLowerCase(),
      isCoordinatingDiscoveryServer: 'false',
      lastUpdatedTimestamp: now,
      lastDirtyTimestamp: now,
    },
  };
}

/** Eureka writes a one-element list as a bare object; this always gives a list. */
function list<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

interface PortJson { $?: number | string; '@enabled'?: string | boolean }
interface InstanceJson { instanceId?: string; hostName?: string; ipAddr?: string; status?: string; port?: PortJson; securePort?: PortJson }
interface AppJson { name?: string; instance?: InstanceJson | InstanceJson[] }

const enabled = (port: PortJson | undefined) => port !== undefined && String(port['@enabled']) === 'true' && Number(port.$) > 0;

/**
 * GET /eureka/apps -> app name (upper case) -> its UP instances, sorted by id so every caller
 * round-robins over the same order. Instances that are not UP, or have no usable port, are left out.
 */
export function upInstances(body: unknown): Map<string, ServiceInstance[]> {
  const apps = list((body as { applications?: { application?: AppJson | AppJson[] } } | null)?.applications?.application);
  const byApp = new Map<string, ServiceInstance[]>();
  for (const app of apps) {
    if (!app?.name) continue;
    const instances: ServiceInstance[] = [];
    for (const i of list(app.instance)) {
      if (i?.status !== 'UP' || !i.hostName) continue;
      const id = i.instanceId ?? `${i.hostName}:${String(i.port?.$)}`;
      if (enabled(i.port)) instances.push({ id, baseUrl: `http://${i.hostName}:${Number(i.port!.$)}` });
      else if (enabled(i.securePort)) instances.push({ id, baseUrl: `https://${i.hostName}:${Number(i.securePort!.$)}` });
    }
    instances.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    byApp.set(app.name.toUpperCase(), instances);
  }
  return byApp;
}
