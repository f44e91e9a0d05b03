/**
 * A small client for Eureka's documented REST API (JSON): register, renew, deregister, and read
 * the registry. Several server URLs are tried in turn, starting with the last one that answered.
 */
import { registrationBody, type InstanceSpec } from './eureka-model';

export class EurekaError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'EurekaError';
  }
}

export type RenewResult = 'renewed' | 'unknown';

export class EurekaClient {
  private preferred = 0;

  /** `serviceUrls` as Spring writes them: `http://host:8761/eureka/`. */
  constructor(private readonly serviceUrls: string[], private readonly timeoutMs = 5000) {
    if (serviceUrls.length === 0) throw new EurekaError('no Eureka server URL');
  }

  /** POST /apps/{APP}: Eureka answers 204. */
  async register(spec: InstanceSpec): Promise<void> {
    await this.request('POST', `/apps/${encodeURIComponent(spec.app.toUpperCase())}`, registrationBody(spec), [204, 200]);
  }

  /** PUT /apps/{APP}/{id}: 404 means Eureka does not know the instance (it restarted, or evicted us). */
  async renew(app: string, instanceId: string): Promise<RenewResult> {
    const status = await this.request('PUT', this.instancePath(app, instanceId), undefined, [200, 404]);
    return status === 404 ? 'unknown' : 'renewed';
  }

  /** DELETE /apps/{APP}/{id}; an instance Eureka no longer knows counts as gone. */
  async deregister(app: string, instanceId: string): Promise<void> {
    await this.request('DELETE', this.instancePath(app, instanceId), undefined, [200, 404]);
  }

  /** GET /apps: the whole registry. */
  async applications(): Promise<unknown> {
    let body: unknown;
    await this.request('GET', '/apps', undefined, [200], (text) => { body = JSON.parse(text); });
    return body;
  }

  private instancePath(app: string, instanceId: string): string {
    return `/apps/${encodeURIComponent(app.toUpperCase())}/${encodeURIComponent(instanceId)}`;
  }

  private async request(method: string, path: string, body: unknown, ok: number[], read?: (text: string) => void): Promise<number> {
    const problems: string[] = [];
    for (let n = 0; n < this.serviceUrls.length; n += 1) {
      const index = (this.preferred + n) % this.serviceUrls.length;
      const url = `${this.serviceUrls[index].replace(/\/+$/, '')}${path}`;
      try {
        const response = await fetch(url, {
          method,
          headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await response.text();
        if (!ok.includes(response.status)) {
          // A 4xx is this request's fault: another server would refuse it too.
          if (response.status < 500) throw new EurekaError(`${method} ${url}: HTTP ${response.status} ${text.slice(0, 200)}`, response.status);
          problems.push(`${url}: HTTP ${response.status}`);
          continue;
        }
        read?.(text);
        this.preferred = index;
        return response.status;
      } catch (error) {
        if (error instanceof EurekaError) throw error;
        const e = error as { name?: string; message?: string; cause?: { code?: string } };
        problems.push(`${url}: ${e.name === 'TimeoutError' ? `timed out after ${this.timeoutMs} ms` : e.cause?.code ?? e.message}`);
      }
    }
    throw new EurekaError(`${method} ${path} failed on every Eureka server: ${problems.join('; ')}`);
  }
}
