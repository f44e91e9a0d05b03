import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseApiKeySpec } from './graphql/api-key-spec';
import { parseHttpRoutes } from './messaging/http/routes';

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
    poolSize: z.coerce.number().int().min(1).max(100).default(10),
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
    /** Transactions of grouped consumed batches at once (one runs while the next is built). */
    groupTransactions: z.coerce.number().int().min(1).max(16).default(2),
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
        return parseHttpRoutes(v);
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
    maxDepth: z.coerce.number().int().min(1).max(100).default(12),
    maxComplexity: z.coerce.number().int().min(10).max(1000000).default(5000),
  }),
  simulators: z.object({
    /** Run the simulated Order/Product/Promotion/Payment services in-process (demos, tests). */
    enabled: z.enum(['true', 'false', 'auto']).default('auto'),
    /** Orders the simulators place at start, one of each scenario in turn, so there is something to watch. */
    demoOrders: z.coerce.number().int().min(0).max(10000).default(10),
  }),
});

export type Config = z.infer<typeof configSchema>;

/** Environment variable -> path in the config tree. */
const ENV_MAP: Record<string, [keyof Config, string]> = {
  SERVER_PORT: ['server', 'port'],
  SERVER_HOST: ['server', 'host'],
  DATABASE_URL: ['database', 'url'],
  DATABASE_POOL_SIZE: ['database', 'poolSize'],
  EMBEDDED_PG_DIR: ['database', 'embeddedDir'],
  EMBEDDED_PG_PORT: ['database', 'embeddedPort'],
  KAFKA_BROKERS: ['kafka', 'brokers'],
  KAFKA_CLIENT_ID: ['kafka', 'clientId'],
  KAFKA_GROUP_ID: ['kafka', 'groupId'],
  KAFKA_TOPIC_PREFIX: ['kafka', 'topicPrefix'],
  KAFKA_FETCH_MIN_BYTES: ['kafka', 'fetchMinBytes'],
  KAFKA_FETCH_MAX_WAIT_MS: ['kafka', 'fetchMaxWaitMs'],
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
  PARTICIPANT_HTTP_ROUTES: ['participantHttp', 'routes'],
  PARTICIPANT_HTTP_TIMEOUT_MS: ['participantHttp', 'timeoutMs'],
  PARTICIPANT_HTTP_RETRIES: ['participantHttp', 'retries'],
  PARTICIPANT_HTTP_BREAKER_ERROR_PERCENT: ['participantHttp', 'breakerErrorPercent'],
  PARTICIPANT_HTTP_BREAKER_RESET_MS: ['participantHttp', 'breakerResetMs'],
  PARTICIPANT_HTTP_BREAKER_VOLUME: ['participantHttp', 'breakerVolume'],
  AUTH_TOKENS: ['auth', 'tokens'],
  GRAPHQL_INTROSPECTION: ['graphql', 'introspection'],
  GRAPHQL_MASK_ERRORS: ['graphql', 'maskErrors'],
  GRAPHQL_MAX_DEPTH: ['graphql', 'maxDepth'],
  GRAPHQL_MAX_COMPLEXITY: ['graphql', 'maxComplexity'],
  SIMULATORS: ['simulators', 'enabled'],
  SIMULATORS_DEMO_ORDERS: ['simulators', 'demoOrders'],
};

export class ConfigError extends Error {}

/** Reads and validates the configuration; throws ConfigError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2)): Config {
  const tree: Record<string, Record<string, unknown>> = Object.fromEntries(Object.keys(configSchema.shape).map((section) => [section, {}]));
  const file = configFileArg(argv);
  if (file) mergeFile(tree, file);
  for (const [name, [section, key]] of Object.entries(ENV_MAP)) {
    const value = env[name];
    if (value !== undefined && value !== '') tree[section][key] = value;
  }
  const result = configSchema.safeParse(tree);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const [section, key] = issue.path.map(String);
      const envName = Object.entries(ENV_MAP).find(([, p]) => p[0] === section && p[1] === key)?.[0];
      const where = envName ? `${envName} (${section}.${key})` : issue.path.join('.');
      return `${where}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

function configFileArg(argv: string[]): string | undefined {
  const index = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (index < 0) return undefined;
  const arg = argv[index];
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  if (!value) throw new ConfigError('--config needs a file path');
  return value;
}

function mergeFile(tree: Record<string, Record<string, unknown>>, path: string): void {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path}: expected a mapping at the top level`);
  }
  for (const [section, values] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(section in tree)) throw new ConfigError(`config file ${path}: unknown section "${section}"`);
    if (typeof values !== 'object' || values === null) {
      throw new ConfigError(`config file ${path}: section "${section}" must be a mapping`);
    }
    Object.assign(tree[section], values);
  }
}
