import { randomBytes, randomUUID } from 'node:crypto';

/**
 * The seed's configuration names (its Spring Boot `application.yaml` and the environment variables
 * Spring derives from it), mapped onto our configuration tree. Spring's relaxed binding is copied
 * where the seed's users rely on it: `bootstrap-servers`, `bootstrapServers` and `bootstrap_servers`
 * are one key, and `eureka.client.service-url.defaultZone` is read from the environment as
 * `EUREKA_CLIENT_SERVICEURL_DEFAULTZONE`, `EUREKA_CLIENT_SERVICE-URL_DEFAULTZONE` (what the seed
 * documents) or `EUREKA_CLIENT_SERVICE_URL_DEFAULTZONE`.
 *
 * A seed value is only a fallback: config.ts lets our own name win wherever it is set.
 */

/** Where a value lands in our tree: [section, key]. */
export type ConfigPath = [string, string];

interface SeedKey {
  /** The Spring property name as the seed writes it. */
  name: string;
  to: ConfigPath;
  parse?: (value: string) => string;
}

export class SeedConfigError extends Error {}

const SEED_KEYS: SeedKey[] = [
  { name: 'server.port', to: ['server', 'port'] },
  { name: 'server.address', to: ['server', 'host'] },
  { name: 'spring.kafka.bootstrap-servers', to: ['kafka', 'brokers'], parse: (v) => v.split(',').map((s) => s.trim()).filter(Boolean).join(',') },
  { name: 'spring.kafka.client-id', to: ['kafka', 'clientId'] },
  { name: 'spring.kafka.consumer.group-id', to: ['kafka', 'groupId'] },
  { name: 'spring.datasource.hikari.maximum-pool-size', to: ['database', 'poolSize'] },
  { name: 'logging.level.root', to: ['log', 'level'], parse: springLogLevel },
  { name: 'spring.application.name', to: ['eureka', 'appName'] },
  // Listed after spring.application.name: the more specific name wins (later wins).
  { name: 'eureka.instance.appname', to: ['eureka', 'appName'] },
  { name: 'eureka.client.enabled', to: ['eureka', 'enabled'] },
  { name: 'eureka.client.service-url.defaultZone', to: ['eureka', 'serviceUrl'] },
  { name: 'eureka.client.register-with-eureka', to: ['eureka', 'register'] },
  { name: 'eureka.client.fetch-registry', to: ['eureka', 'fetchRegistry'] },
  { name: 'eureka.client.registry-fetch-interval-seconds', to: ['eureka', 'registryFetchSeconds'] },
  { name: 'eureka.instance.instance-id', to: ['eureka', 'instanceId'] },
  { name: 'eureka.instance.hostname', to: ['eureka', 'hostname'] },
  { name: 'eureka.instance.ip-address', to: ['eureka', 'ipAddress'] },
  { name: 'eureka.instance.prefer-ip-address', to: ['eureka', 'preferIpAddress'] },
  { name: 'eureka.instance.lease-renewal-interval-in-seconds', to: ['eureka', 'renewalIntervalSeconds'] },
  { name: 'eureka.instance.lease-expiration-duration-in-seconds', to: ['eureka', 'leaseDurationSeconds'] },
  // The seed's README names "timeouts, retries" without the keys; these are the names read.
  { name: 'saga.timeout', to: ['saga', 'stepTimeoutMs'], parse: durationMs },
  { name: 'saga.step-timeout', to: ['saga', 'stepTimeoutMs'], parse: durationMs },
  { name: 'saga.retry.max-attempts', to: ['saga', 'maxAttempts'] },
  { name: 'saga.retry.initial-interval', to: ['saga', 'initialBackoffMs'], parse: durationMs },
  { name: 'saga.retry.backoff', to: ['saga', 'initialBackoffMs'], parse: durationMs },
  { name: 'saga.retry.max-interval', to: ['saga', 'maxBackoffMs'], parse: durationMs },
];

const DATASOURCE = ['spring.datasource.url', 'spring.datasource.username', 'spring.datasource.password'];

/** Seed keys deliberately not read, by prefix, with the reason the README gives. */
const IGNORED: [prefix: string, why: string][] = [
  ['spring.data.redis', 'Redis is not used: saga state, timers and the change feed live in PostgreSQL'],
  ['spring.redis', 'Redis is not used: saga state, timers and the change feed live in PostgreSQL'],
  ['spring.cache', 'Redis is not used: saga state, timers and the change feed live in PostgreSQL'],
  ['spring.kafka', 'serialisation and client tuning are fixed by the wire contract'],
  ['spring.jpa', 'the schema comes from our migrations'],
  ['spring.datasource', 'only url, username, password and hikari.maximum-pool-size are read'],
  ['management', 'the endpoints are fixed: /health, /ready, /metrics'],
  ['eureka', 'not used by this client'],
];

/** One key's value and where it came from (for error messages). */
export interface SeedValue { path: ConfigPath; value: string; source: string }

export interface SeedLayer {
  values: SeedValue[];
  /** Seed keys present but not read, each with the reason. */
  ignored: string[];
}

/** Spring's canonical form of a property name: lower case, no dashes or underscores. */
export function canonical(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

/** The environment variable names Spring (and the seed's docs) use for a property. */
export function envNames(property: string): string[] {
  const segments = property.split('.').map((s) => s.toUpperCase());
  const forms = [(s: string) => s.replace(/-/g, ''), (s: string) => s, (s: string) => s.replace(/-/g, '_')];
  return [...new Set(forms.map((form) => segments.map(form).join('_')))];
}

/** Nested YAML -> `a.b.c` keys; lists of scalars become comma-separated strings. */
export function flatten(tree: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (tree === null || tree === undefined) return out;
  if (Array.isArray(tree) && tree.every((v) => v === null || typeof v !== 'object')) {
    out.set(prefix, tree.map(String).join(','));
  } else if (typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree as Record<string, unknown>)) flatten(value, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.set(prefix, String(tree));
  }
  return out;
}

/**
 * Reads the seed's keys from a flattened YAML file (may be empty) and the environment; the
 * environment wins over the file, as in Spring. `${name}`, `${name:default}` and
 * `${random.value}` placeholders in file values are resolved like Spring does. `ourEnvNames` are
 * not reported as ignored (EUREKA_INSTANCE_ID is ours, not Spring's).
 */
export function readSeed(
  file: Map<string, string>, env: NodeJS.ProcessEnv, fileName = 'config file', ourEnvNames = new Set<string>(), wholeFile = file,
): SeedLayer {
  const fileByCanonical = new Map([...file].map(([k, v]) => [canonical(k), { key: k, value: v }]));
  const resolve = placeholderResolver(wholeFile, env);
  const used = new Set<string>();
  const lookup = (property: string): { value: string; source: string } | undefined => {
    for (const name of envNames(property)) {
      const value = env[name];
      if (value !== undefined && value !== '') { used.add(`env:${name}`); return { value, source: name }; }
    }
    const entry = fileByCanonical.get(canonical(property));
    if (entry === undefined) return undefined;
    used.add(`file:${canonical(entry.key)}`);
    return { value: resolve(entry.value, entry.key), source: `${entry.key} in ${fileName}` };
  };

  const values: SeedValue[] = [];
  for (const key of SEED_KEYS) {
    const found = lookup(key.name);
    if (!found) continue;
    try {
      values.push({ path: key.to, value: key.parse ? key.parse(found.value) : found.value, source: found.source });
    } catch (error) {
      throw new SeedConfigError(`${found.source}: ${(error as Error).message}`);
    }
  }
  const [url, username, password] = DATASOURCE.map(lookup);
  if (url) values.push({ path: ['database', 'url'], value: postgresUrlFromJdbc(url.value, username?.value, password?.value), source: url.source });
  values.push(...serviceUrls(file, resolve, used, fileName));

  const ignored: string[] = [];
  for (const key of file.keys()) {
    if (!used.has(`file:${canonical(key)}`)) ignored.push(`${key} (${fileName}): ${whyIgnored(key)}`);
  }
  for (const name of Object.keys(env)) {
    if (/^(SPRING|EUREKA_(CLIENT|INSTANCE|SERVER))_/.test(name) && !used.has(`env:${name}`) && !ourEnvNames.has(name) && env[name] !== '') {
      ignored.push(`${name} (environment): ${whyIgnored(name.replace(/_/g, '.'))}`);
    }
  }
  return { values, ignored };
}

/** `services.<name>.url` (or `services.<name>: url`): a static address for `lb://<name>` routes. */
function serviceUrls(file: Map<string, string>, resolve: (v: string, k: string) => string, used: Set<string>, fileName: string): SeedValue[] {
  const urls: string[] = [];
  let source = '';
  for (const [key, value] of file) {
    const match = /^services\.([^.]+)(\.url)?$/i.exec(key);
    if (!match || (!match[2] && key.split('.').length !== 2)) continue;
    urls.push(`${match[1]}=${resolve(value, key)}`);
    used.add(`file:${canonical(key)}`);
    source ||= `${key} in ${fileName}`;
  }
  return urls.length > 0 ? [{ path: ['participantHttp', 'services'], value: urls.join(','), source }] : [];
}

function whyIgnored(key: string): string {
  const name = canonical(key);
  const hit = IGNORED.find(([prefix]) => name === canonical(prefix) || name.startsWith(`${canonical(prefix)}.`));
  return hit ? hit[1] : 'not used by this service';
}

/** Resolves Spring's `${name}`, `${name:default}`, `${random.value}` against the whole file (flattened) and the environment. */
export function placeholderResolver(wholeFile: Map<string, string>, env: NodeJS.ProcessEnv): (value: string, key: string) => string {
  const file = new Map([...wholeFile].map(([k, v]) => [canonical(k), { value: v }]));
  const resolve = (value: string, key: string, depth = 0): string => value.replace(/\$\{([^}:]+)(?::([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
    if (depth > 10) throw new SeedConfigError(`${key}: placeholders nest too deeply`);
    if (name === 'random.value') return randomBytes(16).toString('hex');
    if (name === 'random.uuid') return randomUUID();
    const fromEnv = env[name] ?? envNames(name).map((n) => env[n]).find((v) => v !== undefined);
    if (fromEnv !== undefined) return fromEnv;
    const fromFile = file.get(canonical(name));
    if (fromFile !== undefined) return resolve(fromFile.value, key, depth + 1);
    if (fallback !== undefined) return fallback;
    throw new SeedConfigError(`${key}: cannot resolve placeholder \${${name}}`);
  });
  return (value: string, key: string) => resolve(value, key);
}

/**
 * `jdbc:postgresql://host[:port]/db[?params]` plus Spring's separate username and password ->
 * a libpq URL (`postgres://user:pw@host:port/db?params`). JDBC's `user`/`password` parameters
 * count when the separate ones are not set. Multi-host URLs are refused rather than half-used.
 */
export function postgresUrlFromJdbc(jdbc: string, username?: string, password?: string): string {
  const match = /^jdbc:postgresql:(?:\/\/([^/?]*))?\/?([^?]*)(?:\?(.*))?$/i.exec(jdbc.trim());
  if (!match) throw new SeedConfigError(`SPRING_DATASOURCE_URL: expected jdbc:postgresql://host:port/database, got '${jdbc}'`);
  const [, hostPart = '', database, query = ''] = match;
  if (hostPart.includes(',')) throw new SeedConfigError(`SPRING_DATASOURCE_URL: several hosts (${hostPart}) are not supported; give one`);
  const params = new URLSearchParams(query);
  const user = username || params.get('user') || '';
  const pass = password || params.get('password') || '';
  params.delete('user');
  params.delete('password');
  const auth = user ? `${encodeURIComponent(user)}${pass ? `:${encodeURIComponent(pass)}` : ''}@` : '';
  const rest = params.toString();
  return `postgres://${auth}${hostPart || 'localhost:5432'}/${database}${rest ? `?${rest}` : ''}`;
}

/** Spring Boot's duration format: `500` (ms), `500ms`, `30s`, `2m`, `1h`, `1d`, ISO `PT30S`. */
export function durationMs(value: string): string {
  const v = value.trim();
  if (/^\d+$/.test(v)) return v;
  const simple = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d)$/i.exec(v);
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  if (simple) return String(Math.round(Number(simple[1]) * unit[simple[2].toLowerCase()]));
  const iso = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(v);
  if (iso && v.length > 2) return String(Math.round(Number(iso[1] ?? 0) * 3_600_000 + Number(iso[2] ?? 0) * 60_000 + Number(iso[3] ?? 0) * 1000));
  throw new SeedConfigError(`expected a duration such as 500ms, 30s or PT30S, got '${value}'`);
}

function springLogLevel(value: string): string {
  const level = value.trim().toLowerCase();
  return level === 'off' ? 'silent' : level === 'warning' ? 'warn' : level;
}
