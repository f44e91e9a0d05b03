import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { canonical, flatten, placeholderResolver, readSeed, SeedConfigError, type SeedLayer } from './config-seed';
import { parseApiKeySpec } from './graphql/api-key-spec';
import { parseHttpRoutes, parseServiceUrls } from './messaging/http/routes';
// The registered sagas' participant commands: a route naming another topic is refused as configuration.
import { SAGA_HTTP_COMMANDS } from './sagas';

/** A flag from the environment (`true`/`false`) or from YAML (a boolean). */
const flag = (fallback: boolean) => z.union([z.boolean(), z.enum(['true', 'false'])]).default(fallback).transform((v) => v === true || v === 'true');

/** The payment methods of the Payment service the orchestrator was built against (and its simulator). */
export const DEFAULT_PAYMENT_METHODS = ['CREDIT_CARD', 'DEBIT_CARD', 'GIFT_CARD', 'PAYPAL', 'APPLE_PAY', 'WALLET', 'BANK_TRANSFER'] as const;

/**
 * All configuration, typed and validated once at start. Sources, later ones win:
 * defaults < YAML file given by `--config` (shaped like the seed's application.yaml) < environment.
 */
const configSchema = z.object({
  server: z.object({
    port: z.coerce.number().int().min(0).max(65535).default(8095),
    host: z.string().default('127.0.0.1'),
  }),
  database: z.object({
    /** Unset: an embedded PostgreSQL is started (see src/persistence/embedded-postgres.ts). */
    url: z.string().url().optional(),
    /** The saga engine's pool (hot path: node-postgres, hand-written SQL). */
    poolSize: z.coerce.number().int().min(1).max(100).default(10),
    /** MikroORM's pool, for the cold paths: bulk actions, retention, migrations. */
    ormPoolSize: z.coerce.number().int().min(1).max(100).default(4),
    /** GraphQL reads get a pool of their own, so no query load can take the engine's connections. */
    readPoolSize: z.coerce.number().int().min(1).max(100).default(4),
    /** PostgreSQL cancels a GraphQL read statement after this long (QUERY_TIMEOUT to the client). */
    readStatementTimeoutMs: z.coerce.number().int().min(100).max(600_000).default(10_000),
    /** Where the embedded PostgreSQL keeps its data, and the port it listens on (127.0.0.1). */
    embeddedDir: z.string().min(1).default('.data/postgres'),
    embeddedPort: z.coerce.number().int().min(1).max(65535).default(54329),
  }),
  kafka: z.object({
    /** Unset: the in-process transport is used and no broker is needed. */
    brokers: z
      .string()
      .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'expected host:port[,host:port...]')
      .optional(),
    clientId: z.string().min(1).default('saga-orchestrator'),
    groupId: z.string().min(1).default('saga-orchestrator'),
    /** A fetch is answered once it has this many bytes or has waited this long. */
    fetchMinBytes: z.coerce.number().int().min(1).default(1),
    fetchMaxWaitMs: z.coerce.number().int().min(0).max(10000).default(500),
    /** Partitions of the topics this service creates when they are missing (existing topics keep theirs). */
    topicPartitions: z.coerce.number().int().min(1).max(1000).default(4),
    /** Prepended to every topic name, so environments can share a broker; empty by default. */
    topicPrefix: z.string().regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only').default(''),
  }),
  log: z.object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `auto`: human-readable on a terminal, JSON lines otherwise (files, pipes, log collectors). */
    format: z.enum(['auto', 'json', 'pretty']).default('auto'),
  }),
  saga: z.object({
    /** What a rejected coupon does: `continue` pays the original amount, `fail` compensates. */
    couponPolicy: z.enum(['continue', 'fail']).default('continue'),
    /** How long a step waits for its reply per attempt, and how often it is sent in all. */
    stepTimeoutMs: z.coerce.number().int().min(10).default(30000),
    maxAttempts: z.coerce.number().int().min(1).max(100).default(3),
    /** First retry back-off; doubles per attempt up to maxBackoffMs, with jitter. */
    initialBackoffMs: z.coerce.number().int().min(0).default(1000),
    maxBackoffMs: z.coerce.number().int().min(0).default(30000),
    /**
     * Transactions of grouped consumed batches at once. 1: the consumer fetches on while one
     * commits (batchesInFlight), so a second one only splits the groups (more commits per saga).
     */
    groupTransactions: z.coerce.number().int().min(1).max(16).default(1),
    /** Consumed batches held at once (queued or being committed): the consumer fetches on while they commit. 1: fetch, commit, fetch. */
    batchesInFlight: z.coerce.number().int().min(1).max(1000).default(32),
    /** Payment methods startSaga accepts (comma-separated, or a YAML list); the Payment service's. */
    paymentMethods: z
      .union([z.string(), z.array(z.string())])
      .default(DEFAULT_PAYMENT_METHODS.join(','))
      .transform((v, ctx) => {
        const list = (Array.isArray(v) ? v : v.split(',')).map((m) => m.trim()).filter(Boolean);
        if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one payment method is required' });
        for (const m of list) if (!/^[A-Z][A-Z0-9_]{0,49}$/.test(m)) ctx.addIssue({ code: 'custom', message: `'${m}' is not a payment method name (A-Z, 0-9, _)` });
        return list;
      }),
  }),
  retention: z.object({
    /**
     * Hours inbox rows (consumed eventIds) and published outbox rows are kept; 0 keeps them
     * forever. Past the inbox's window a redelivered reply is still recognised by the saga state.
     */
    inboxHours: z.coerce.number().min(0).default(168),
    outboxHours: z.coerce.number().min(0).default(168),
    intervalMs: z.coerce.number().int().min(1000).default(600_000),
  }),
  participantHttp: z.object({
    /** Commands sent to a participant over HTTP instead of Kafka: `command-topic=url,...`, parsed here once. */
    routes: z.string().default('').transform((v, ctx) => {
      try {
        return parseHttpRoutes(v, SAGA_HTTP_COMMANDS);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
    timeoutMs: z.coerce.number().int().min(1).default(5000),
    retries: z.coerce.number().int().min(0).max(10).default(2),
    breakerErrorPercent: z.coerce.number().int().min(1).max(100).default(50),
    breakerResetMs: z.coerce.number().int().min(1).default(30000),
    breakerVolume: z.coerce.number().int().min(0).default(5),
    /** Static addresses for `lb://<service>/path` routes: `service=http://host:port,...` (used when Eureka knows no UP instance). */
    services: z.string().default('').transform((v, ctx) => {
      try {
        return parseServiceUrls(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
  }),
  tracing: z.object({
    /**
     * OpenTelemetry's names. Spans are exported only when asked: `otlp` (or an OTLP endpoint set
     * and no exporter named) turns them on, `none` or nothing leaves them off.
     */
    exporter: z.enum(['none', 'otlp', 'console']).optional(),
    /** OTLP/HTTP base URL (`/v1/traces` is appended), or the traces URL as is. */
    endpoint: z.string().url().optional(),
    tracesEndpoint: z.string().url().optional(),
    serviceName: z.string().min(1).default('saga-orchestrator'),
  }),
  eureka: z.object({
    /** Eureka server URLs (`http://host:8761/eureka/`, comma-separated: tried in turn). Unset: no Eureka. */
    serviceUrl: z.string().default('').transform((v, ctx) => {
      const urls = v.split(',').map((u) => u.trim()).filter(Boolean);
      for (const url of urls) {
        if (!/^https?:\/\/[^/\s]+/.test(url)) ctx.addIssue({ code: 'custom', message: `'${url}' is not an http(s) URL` });
      }
      return urls;
    }),
    /** eureka.client.enabled: false turns Eureka off even when a URL is set. */
    enabled: flag(true),
    /** The name this orchestrator registers under: the seed's, so callers need not change. */
    appName: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').default('ORCHESTRATOR-SERVICE'),
    /** Default `<hostname>:<app name>:<port>`, as Spring Cloud's. */
    instanceId: z.string().min(1).optional(),
    /** Host name registered; default: server.host when it is a specific address, else the machine's name. */
    hostname: z.string().min(1).optional(),
    ipAddress: z.string().min(1).optional(),
    /** Register the IP address as the host name (Spring's prefer-ip-address). */
    preferIpAddress: flag(false),
    /** Register this instance (false: only discover participants). */
    register: flag(true),
    /** Fetch the registry to resolve `lb://` routes. */
    fetchRegistry: flag(true),
    renewalIntervalSeconds: z.coerce.number().int().min(1).max(3600).default(30),
    leaseDurationSeconds: z.coerce.number().int().min(1).max(36000).default(90),
    registryFetchSeconds: z.coerce.number().int().min(1).max(3600).default(30),
  }),
  auth: z.object({
    /**
     * API keys: `token=actor:role[+role],...` (roles: analyst, viewer, support, operator, finance, admin). Unset:
     * one random admin key is generated at start and printed, so nothing runs unauthenticated.
     */
    tokens: z.string().optional().superRefine((spec, ctx) => {
      // Checked here, so a bad value stops the service before the database starts.
      if (spec === undefined) return;
      try {
        parseApiKeySpec(spec);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  }),
  graphql: z.object({
    introspection: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    /** Internal error details reach clients only when false (for development). */
    maskErrors: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    /** Nesting of selections, introspection included (the standard introspection query has 14). */
    maxDepth: z.coerce.number().int().min(1).max(100).default(15),
    maxComplexity: z.coerce.number().int().min(10).max(1000000).default(5000),
    /** Results held for one subscriber that has not taken them yet; one that falls further behind is closed. */
    subscriberBuffer: z.coerce.number().int().min(1).max(1000000).default(1000),
    /** Aliased fields per document; parse stops after maxTokens tokens. */
    maxAliases: z.coerce.number().int().min(1).max(100000).default(1000),
    maxTokens: z.coerce.number().int().min(100).max(1000000).default(50000),
    /** Largest HTTP request body and largest graphql-ws message, in bytes. */
    maxRequestBytes: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
    /** Active subscriptions on one graphql-ws connection, and connections at once per API key. */
    wsMaxSubscriptions: z.coerce.number().int().min(1).max(10000).default(20),
    wsMaxConnectionsPerKey: z.coerce.number().int().min(1).max(100000).default(20),
    /** Key of the analyst role's pseudonyms and sealed cursors; share it across instances. Unset: one per process. */
    maskingSecret: z.string().min(16).optional(),
  }),
  simulators: z.object({
    /** Run the simulated Order/Product/Promotion/Payment services in-process (demos, tests). */
    enabled: z.enum(['true', 'false', 'auto']).default('auto'),
    /** Orders the simulators place at start, one of each scenario in turn, so there is something to watch. */
    demoOrders: z.coerce.number().int().min(0).max(10000).default(10),
  }),
});

/** Which of the seed's keys were read into the configuration, and which were present but not read (with why). */
export interface SeedReport {
  read: string[];
  ignored: string[];
}

export type Config = z.infer<typeof configSchema> & { seed: SeedReport };

/** Environment variable -> path in the config tree. */
const ENV_MAP: Record<string, [keyof Config, string]> = {
  SERVER_PORT: ['server', 'port'],
  SERVER_HOST: ['server', 'host'],
  DATABASE_URL: ['database', 'url'],
  DATABASE_POOL_SIZE: ['database', 'poolSize'],
  DATABASE_ORM_POOL_SIZE: ['database', 'ormPoolSize'],
  DATABASE_READ_POOL_SIZE: ['database', 'readPoolSize'],
  DATABASE_READ_STATEMENT_TIMEOUT_MS: ['database', 'readStatementTimeoutMs'],
  EMBEDDED_PG_DIR: ['database', 'embeddedDir'],
  EMBEDDED_PG_PORT: ['database', 'embeddedPort'],
  KAFKA_BROKERS: ['kafka', 'brokers'],
  KAFKA_CLIENT_ID: ['kafka', 'clientId'],
  KAFKA_GROUP_ID: ['kafka', 'groupId'],
  KAFKA_TOPIC_PREFIX: ['kafka', 'topicPrefix'],
  KAFKA_FETCH_MIN_BYTES: ['kafka', 'fetchMinBytes'],
  KAFKA_FETCH_MAX_WAIT_MS: ['kafka', 'fetchMaxWaitMs'],
  KAFKA_TOPIC_PARTITIONS: ['kafka', 'topicPartitions'],
  RETENTION_INBOX_HOURS: ['retention', 'inboxHours'],
  RETENTION_OUTBOX_HOURS: ['retention', 'outboxHours'],
  RETENTION_INTERVAL_MS: ['retention', 'intervalMs'],
  LOG_LEVEL: ['log', 'level'],
  LOG_FORMAT: ['log', 'format'],
  SAGA_COUPON_POLICY: ['saga', 'couponPolicy'],
  SAGA_STEP_TIMEOUT_MS: ['saga', 'stepTimeoutMs'],
  SAGA_MAX_ATTEMPTS: ['saga', 'maxAttempts'],
  SAGA_INITIAL_BACKOFF_MS: ['saga', 'initialBackoffMs'],
  SAGA_MAX_BACKOFF_MS: ['saga', 'maxBackoffMs'],
  SAGA_GROUP_TRANSACTIONS: ['saga', 'groupTransactions'],
  SAGA_BATCHES_IN_FLIGHT: ['saga', 'batchesInFlight'],
  SAGA_PAYMENT_METHODS: ['saga', 'paymentMethods'],
  PARTICIPANT_HTTP_ROUTES: ['participantHttp', 'routes'],
  PARTICIPANT_HTTP_TIMEOUT_MS: ['participantHttp', 'timeoutMs'],
  PARTICIPANT_HTTP_RETRIES: ['participantHttp', 'retries'],
  PARTICIPANT_HTTP_BREAKER_ERROR_PERCENT: ['participantHttp', 'breakerErrorPercent'],
  PARTICIPANT_HTTP_BREAKER_RESET_MS: ['participantHttp', 'breakerResetMs'],
  PARTICIPANT_HTTP_BREAKER_VOLUME: ['participantHttp', 'breakerVolume'],
  PARTICIPANT_HTTP_SERVICES: ['participantHttp', 'services'],
  OTEL_TRACES_EXPORTER: ['tracing', 'exporter'],
  OTEL_EXPORTER_OTLP_ENDPOINT: ['tracing', 'endpoint'],
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: ['tracing', 'tracesEndpoint'],
  OTEL_SERVICE_NAME: ['tracing', 'serviceName'],
  EUREKA_SERVICE_URL: ['eureka', 'serviceUrl'],
  EUREKA_ENABLED: ['eureka', 'enabled'],
  EUREKA_APP_NAME: ['eureka', 'appName'],
  EUREKA_INSTANCE_ID: ['eureka', 'instanceId'],
  EUREKA_INSTANCE_HOSTNAME: ['eureka', 'hostname'],
  EUREKA_INSTANCE_IP: ['eureka', 'ipAddress'],
  EUREKA_PREFER_IP_ADDRESS: ['eureka', 'preferIpAddress'],
  EUREKA_REGISTER: ['eureka', 'register'],
  EUREKA_FETCH_REGISTRY: ['eureka', 'fetchRegistry'],
  EUREKA_RENEWAL_INTERVAL_SECONDS: ['eureka', 'renewalIntervalSeconds'],
  EUREKA_LEASE_DURATION_SECONDS: ['eureka', 'leaseDurationSeconds'],
  EUREKA_REGISTRY_FETCH_SECONDS: ['eureka', 'registryFetchSeconds'],
  AUTH_TOKENS: ['auth', 'tokens'],
  GRAPHQL_INTROSPECTION: ['graphql', 'introspection'],
  GRAPHQL_MASK_ERRORS: ['graphql', 'maskErrors'],
  GRAPHQL_MAX_DEPTH: ['graphql', 'maxDepth'],
  GRAPHQL_MAX_COMPLEXITY: ['graphql', 'maxComplexity'],
  GRAPHQL_SUBSCRIBER_BUFFER: ['graphql', 'subscriberBuffer'],
  GRAPHQL_MAX_ALIASES: ['graphql', 'maxAliases'],
  GRAPHQL_MAX_TOKENS: ['graphql', 'maxTokens'],
  GRAPHQL_MAX_REQUEST_BYTES: ['graphql', 'maxRequestBytes'],
  GRAPHQL_WS_MAX_SUBSCRIPTIONS: ['graphql', 'wsMaxSubscriptions'],
  GRAPHQL_WS_MAX_CONNECTIONS_PER_KEY: ['graphql', 'wsMaxConnectionsPerKey'],
  GRAPHQL_MASKING_SECRET: ['graphql', 'maskingSecret'],
  SIMULATORS: ['simulators', 'enabled'],
  SIMULATORS_DEMO_ORDERS: ['simulators', 'demoOrders'],
};

export class ConfigError extends Error {}

/**
 * Reads and validates the configuration; throws ConfigError naming the bad variable. Our names
 * win over the seed's (config-seed.ts) wherever both are set; between a file and the environment,
 * the environment wins.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2)): Config {
  const path = configFileArg(argv);
  const file = path ? readFile(path) : { ours: {}, seedKeys: new Map<string, string>(), whole: new Map<string, string>() };
  let seed: SeedLayer;
  try {
    seed = readSeed(file.seedKeys, env, path, new Set(Object.keys(ENV_MAP)), file.whole);
    resolveOurPlaceholders(file.ours, file.whole, env);
  } catch (error) {
    if (error instanceof SeedConfigError) throw new ConfigError(`invalid configuration:\n  ${error.message}`);
    throw error;
  }
  // Layers, later wins: the seed's names, our names in the file, our names in the environment.
  // `sources` remembers which values still come from a seed key, to name it in errors.
  const tree: Record<string, Record<string, unknown>> = Object.fromEntries(Object.keys(configSchema.shape).map((section) => [section, {}]));
  const sources = new Map<string, string>();
  for (const { path: [section, key], value, source } of seed.values) {
    tree[section][key] = value;
    sources.set(`${section}.${key}`, source);
  }
  const ours = (section: string, key: string, value: unknown) => {
    tree[section][key] = value;
    sources.delete(`${section}.${key}`);
  };
  for (const [section, values] of Object.entries(file.ours)) {
    for (const [key, value] of Object.entries(values)) ours(section, key, value);
  }
  for (const [name, [section, key]] of Object.entries(ENV_MAP)) {
    const value = env[name];
    if (value !== undefined && value !== '') ours(section, key, value);
  }
  const result = configSchema.safeParse(tree);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const [section, key] = issue.path.map(String);
      const envName = Object.entries(ENV_MAP).find(([, p]) => p[0] === section && p[1] === key)?.[0];
      const seedSource = sources.get(`${section}.${key}`);
      const where = seedSource ? `${seedSource} (${section}.${key})` : envName ? `${envName} (${section}.${key})` : issue.path.join('.');
      return `${where}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const read = seed.values.filter((v) => sources.get(v.path.join('.')) === v.source).map((v) => `${v.source} -> ${v.path.join('.')}`);
  const config = { ...result.data, seed: { read, ignored: seed.ignored } };
  checkServiceRoutes(config);
  return config;
}

/** Spring files put placeholders in any key, ours included (`server.port: ${PORT:8095}`). */
function resolveOurPlaceholders(ours: Record<string, Record<string, unknown>>, whole: Map<string, string>, env: NodeJS.ProcessEnv): void {
  const resolve = placeholderResolver(whole, env);
  for (const [section, values] of Object.entries(ours)) {
    for (const [key, value] of Object.entries(values)) {
      if (typeof value === 'string' && value.includes('${')) values[key] = resolve(value, `${section}.${key}`);
    }
  }
}

/** `lb://<service>` routes need somewhere to look the service up: Eureka or a static address. */
function checkServiceRoutes(config: Config): void {
  const eureka = config.eureka.enabled && config.eureka.fetchRegistry && config.eureka.serviceUrl.length > 0;
  const missing = Object.entries(config.participantHttp.routes)
    .filter(([, route]) => route.service && !eureka && !config.participantHttp.services[route.service.toLowerCase()])
    .map(([topic, route]) => `'${topic}' names service '${route.service}'`);
  if (missing.length > 0) {
    throw new ConfigError(
      `invalid configuration:\n  PARTICIPANT_HTTP_ROUTES: ${missing.join(', ')}, but there is no Eureka (EUREKA_SERVICE_URL) to resolve it and no address in PARTICIPANT_HTTP_SERVICES`,
    );
  }
}

function configFileArg(argv: string[]): string | undefined {
  // --spring.config.location is how the seed is started with its own file; `file:` is Spring's prefix.
  const names = ['--config', '--spring.config.location'];
  const index = argv.findIndex((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
  if (index < 0) return undefined;
  const arg = argv[index];
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  if (!value) throw new ConfigError(`${arg.split('=')[0]} needs a file path`);
  return value.replace(/^(optional:)?file:/, '');
}

/**
 * Splits a YAML file into our keys (in our sections, by our key names, relaxed: `coupon-policy`
 * is `couponPolicy`) and everything else, flattened, for the seed's names.
 */
function readFile(path: string): { ours: Record<string, Record<string, unknown>>; seedKeys: Map<string, string>; whole: Map<string, string> } {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  const ours: Record<string, Record<string, unknown>> = {};
  const rest: Record<string, unknown> = {};
  if (parsed === null || parsed === undefined) return { ours, seedKeys: new Map(), whole: new Map() };
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path}: expected a mapping at the top level`);
  }
  const shape = configSchema.shape as Record<string, z.ZodObject<z.ZodRawShape>>;
  for (const [section, values] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(section in shape)) {
      rest[section] = values;
      continue;
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new ConfigError(`config file ${path}: section "${section}" must be a mapping`);
    }
    const keys = new Map(Object.keys(shape[section].shape).map((k) => [canonical(k), k]));
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      const ourKey = keys.get(canonical(key));
      // Our keys take scalars and lists (e.g. saga.paymentMethods); a mapping under one of our names is the seed's shape.
      const plain = value === null || typeof value !== 'object' || Array.isArray(value);
      if (ourKey && plain) (ours[section] ??= {})[ourKey] = value;
      else ((rest[section] ??= {}) as Record<string, unknown>)[key] = value;
    }
  }
  return { ours, seedKeys: flatten(rest), whole: flatten(parsed) };
}

/** Which exporter tracing uses; 'none': spans are off (traceparent headers still flow). */
export function tracesExporter(tracing: Config['tracing']): 'none' | 'otlp' | 'console' {
  if (tracing.exporter) return tracing.exporter;
  return tracing.endpoint || tracing.tracesEndpoint ? 'otlp' : 'none';
}
