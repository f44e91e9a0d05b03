/** Where one participant command topic is sent over HTTP instead of the broker. */
export interface HttpRoute {
  /** http(s) URL the command is POSTed to, or `lb://<service>/<path>` for a service looked up in discovery. */
  url: string;
  /** For an `lb://` URL: the service name (lower case, as Eureka matches names case-insensitively). */
  service?: string;
  /** Per-attempt timeout; falls back to the transport's default. */
  timeoutMs?: number;
  /** Re-tries after the first attempt (network error, timeout, 5xx, 408, 429); falls back to the transport's default. */
  retries?: number;
}

/** Command topic -> route. Keys are contract topic names (without KAFKA_TOPIC_PREFIX). */
export type HttpRoutes = Record<string, HttpRoute>;

/**
 * Participant command topics that may be routed over HTTP, each with the reply topics its
 * participant answers on; the first one is where a reply that is not one of them goes, to be
 * dead-lettered by validation. Each saga module declares its own (e.g. sagas/order/http-commands.ts).
 */
export type HttpRoutableCommands = Readonly<Record<string, readonly string[]>>;

export class HttpRouteError extends Error {}

/** Throws HttpRouteError unless `topic` is one of the `routable` command topics and `url` an absolute http(s) URL. */
export function validateHttpRoute(topic: string, url: string, routable: HttpRoutableCommands): void {
  if (!Object.hasOwn(routable, topic)) {
    throw new HttpRouteError(
      `'${topic}' is not a participant command topic; expected one of ${Object.keys(routable).join(', ')}`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HttpRouteError(`'${topic}': '${url}' is not a valid URL`);
  }
  if (parsed.protocol === 'lb:') {
    if (!SERVICE_NAME.test(parsed.hostname) || parsed.port || parsed.username) {
      throw new HttpRouteError(`'${topic}': '${url}' must be lb://<service-name>/<path>, the service name made of letters, digits, '.', '_' and '-'`);
    }
    return;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HttpRouteError(`'${topic}': only http and https URLs (or lb://service/path) are allowed, got '${parsed.protocol}'`);
  }
}

const SERVICE_NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/** The service an `lb://` route names (lower case), or undefined for a plain http(s) URL. */
export function serviceOf(url: string): string | undefined {
  const parsed = new URL(url);
  return parsed.protocol === 'lb:' ? parsed.hostname.toLowerCase() : undefined;
}

/** `lb://service/a/b?q` on an instance at `http://host:port` -> `http://host:port/a/b?q`. */
export function instanceUrl(routeUrl: string, baseUrl: string): string {
  const route = new URL(routeUrl);
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${base.protocol}//${base.host}${prefix}${route.pathname || '/'}${route.search}`;
}

/**
 * Parses PARTICIPANT_HTTP_SERVICES: `service=http://host:port[,service=url...]`, the static
 * addresses of services that `lb://` routes name. Names are matched case-insensitively.
 */
export function parseServiceUrls(spec: string | undefined): Record<string, string> {
  const services: Record<string, string> = {};
  if (!spec || spec.trim() === '') return services;
  const problems: string[] = [];
  spec.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    if (entry === '') return;
    const eq = entry.indexOf('=');
    const name = eq < 0 ? '' : entry.slice(0, eq).trim().toLowerCase();
    const url = eq < 0 ? '' : entry.slice(eq + 1).trim();
    const where = `entry ${index + 1} ('${entry}')`;
    if (!SERVICE_NAME.test(name) || !/^https?:\/\/[^/\s]+/.test(url)) problems.push(`${where}: expected service-name=http(s)://host:port`);
    else services[name] = url;
  });
  if (problems.length > 0) throw new HttpRouteError(`invalid service URLs:\n  ${problems.join('\n  ')}`);
  return services;
}

/**
 * Parses PARTICIPANT_HTTP_ROUTES: `topic=url[,topic=url...]`, e.g.
 * `reserve-inventory-commands=http://127.0.0.1:8081/inventory/reserve,apply-coupon-commands=https://promo/apply`.
 * Blank input gives no routes; blanks around entries and empty entries (a trailing comma) are
 * ignored. Every bad entry is reported at once, by position, in one HttpRouteError.
 */
export function parseHttpRoutes(spec: string | undefined, routable: HttpRoutableCommands): HttpRoutes {
  const routes: HttpRoutes = {};
  if (!spec || spec.trim() === '') return routes;
  const problems: string[] = [];
  spec.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    if (entry === '') return;
    const where = `entry ${index + 1} ('${entry}')`;
    const eq = entry.indexOf('=');
    if (eq < 0) {
      problems.push(`${where}: expected topic=url`);
      return;
    }
    const topic = entry.slice(0, eq).trim();
    const url = entry.slice(eq + 1).trim();
    if (topic === '' || url === '') {
      problems.push(`${where}: expected topic=url with both parts non-empty`);
      return;
    }
    if (Object.hasOwn(routes, topic)) {
      problems.push(`${where}: topic '${topic}' is routed twice`);
      return;
    }
    try {
      validateHttpRoute(topic, url, routable);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
      return;
    }
    const service = serviceOf(url);
    routes[topic] = service ? { url, service } : { url };
  });
  if (problems.length > 0) throw new HttpRouteError(`invalid PARTICIPANT_HTTP_ROUTES:\n  ${problems.join('\n  ')}`);
  return routes;
}
