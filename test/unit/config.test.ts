import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('has working defaults with an empty environment', () => {
    const config = loadConfig({}, []);
    expect(config.server.port).toBe(8095);
    expect(config.database.url).toBeUndefined();
    expect(config.kafka.brokers).toBeUndefined();
    expect(config.saga.couponPolicy).toBe('continue');
  });

  it('keeps inbox and outbox rows a week by default; RETENTION_*_HOURS changes it and 0 keeps them forever', () => {
    expect(loadConfig({}, []).retention).toEqual({ inboxHours: 168, outboxHours: 168, intervalMs: 600_000 });
    expect(loadConfig({ RETENTION_INBOX_HOURS: '0', RETENTION_OUTBOX_HOURS: '12.5', RETENTION_INTERVAL_MS: '60000' }, []).retention)
      .toEqual({ inboxHours: 0, outboxHours: 12.5, intervalMs: 60_000 });
    expect(() => loadConfig({ RETENTION_INBOX_HOURS: '-1' }, [])).toThrow(/RETENTION_INBOX_HOURS/);
  });

  it('takes the payment methods startSaga accepts from SAGA_PAYMENT_METHODS or a YAML list', () => {
    expect(loadConfig({}, []).saga.paymentMethods).toEqual(['CREDIT_CARD', 'DEBIT_CARD', 'GIFT_CARD', 'PAYPAL', 'APPLE_PAY', 'WALLET', 'BANK_TRANSFER']);
    expect(loadConfig({ SAGA_PAYMENT_METHODS: 'CREDIT_CARD, GIFT_CARD' }, []).saga.paymentMethods).toEqual(['CREDIT_CARD', 'GIFT_CARD']);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'application.yaml');
    writeFileSync(file, 'saga:\n  paymentMethods: [WALLET, PAYPAL]\n');
    expect(loadConfig({}, ['--config', file]).saga.paymentMethods).toEqual(['WALLET', 'PAYPAL']);
    expect(() => loadConfig({ SAGA_PAYMENT_METHODS: ' , ' }, [])).toThrow(/SAGA_PAYMENT_METHODS/);
    expect(() => loadConfig({ SAGA_PAYMENT_METHODS: 'credit card' }, [])).toThrow(/SAGA_PAYMENT_METHODS/);
  });

  it('has edge limits and a read pool of their own, each set by its variable', () => {
    const defaults = loadConfig({}, []);
    expect(defaults.graphql).toMatchObject({ maxDepth: 15, maxAliases: 1000, maxTokens: 50000, maxRequestBytes: 1048576, wsMaxSubscriptions: 20, wsMaxConnectionsPerKey: 20 });
    expect(defaults.database).toMatchObject({ poolSize: 10, readPoolSize: 4, readStatementTimeoutMs: 10000 });
    const set = loadConfig({
      GRAPHQL_MAX_ALIASES: '10', GRAPHQL_MAX_TOKENS: '2000', GRAPHQL_MAX_REQUEST_BYTES: '65536', GRAPHQL_WS_MAX_SUBSCRIPTIONS: '3',
      GRAPHQL_WS_MAX_CONNECTIONS_PER_KEY: '4', DATABASE_READ_POOL_SIZE: '2', DATABASE_READ_STATEMENT_TIMEOUT_MS: '500',
    }, []);
    expect(set.graphql).toMatchObject({ maxAliases: 10, maxTokens: 2000, maxRequestBytes: 65536, wsMaxSubscriptions: 3, wsMaxConnectionsPerKey: 4 });
    expect(set.database).toMatchObject({ readPoolSize: 2, readStatementTimeoutMs: 500 });
    expect(() => loadConfig({ DATABASE_READ_POOL_SIZE: '0' }, [])).toThrow(/DATABASE_READ_POOL_SIZE/);
  });

  it('gives the saga engine and MikroORM pools of their own, each set by its variable', () => {
    expect(loadConfig({}, []).database).toMatchObject({ poolSize: 10, ormPoolSize: 4 });
    expect(loadConfig({ DATABASE_POOL_SIZE: '6', DATABASE_ORM_POOL_SIZE: '2' }, []).database).toMatchObject({ poolSize: 6, ormPoolSize: 2 });
    expect(() => loadConfig({ DATABASE_ORM_POOL_SIZE: '0' }, [])).toThrow(/DATABASE_ORM_POOL_SIZE/);
  });

  it('creates missing topics with KAFKA_TOPIC_PARTITIONS partitions (4 by default)', () => {
    expect(loadConfig({}, []).kafka.topicPartitions).toBe(4);
    expect(loadConfig({ KAFKA_TOPIC_PARTITIONS: '1' }, []).kafka.topicPartitions).toBe(1);
    expect(() => loadConfig({ KAFKA_TOPIC_PARTITIONS: '0' }, [])).toThrow(/KAFKA_TOPIC_PARTITIONS/);
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ SERVER_PORT: 'eighty' }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ SERVER_PORT: 'eighty' }, [])).toThrow(/SERVER_PORT \(server\.port\)/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'no port here' }, [])).toThrow(/KAFKA_BROKERS/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' }, [])).toThrow(/LOG_LEVEL/);
  });

  it('refuses a bad AUTH_TOKENS value as configuration, without echoing the token', () => {
    expect(() => loadConfig({ AUTH_TOKENS: 'short=alice:admin' }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ AUTH_TOKENS: 'short=alice:admin' }, [])).toThrow(/AUTH_TOKENS \(auth\.tokens\).*token at least 16 characters/);
    expect(() => loadConfig({ AUTH_TOKENS: 'a-long-enough-token-1234=alice:boss' }, [])).toThrow(/unknown role\(s\) boss/);
    expect(() => loadConfig({ AUTH_TOKENS: 'a-long-enough-token-1234=alice:boss' }, [])).not.toThrow(/a-long-enough-token-1234/);
    expect(loadConfig({ AUTH_TOKENS: 'a-long-enough-token-1234=alice:analyst+support' }, []).auth.tokens).toBe('a-long-enough-token-1234=alice:analyst+support');
  });

  it('reads a YAML file given by --config, and the environment overrides it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'application.yaml');
    writeFileSync(file, 'server:\n  port: 9000\nkafka:\n  brokers: 127.0.0.1:9092\n  groupId: from-file\nsaga:\n  couponPolicy: fail\n');
    const config = loadConfig({ KAFKA_GROUP_ID: 'from-env' }, ['--config', file]);
    expect(config.server.port).toBe(9000);
    expect(config.kafka.brokers).toBe('127.0.0.1:9092');
    expect(config.kafka.groupId).toBe('from-env');
    expect(config.saga.couponPolicy).toBe('fail');
  });

  it('rejects a missing or malformed config file clearly', () => {
    expect(() => loadConfig({}, ['--config', '/nonexistent/app.yaml'])).toThrow(/cannot read config file/);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'server: 8080\n');
    expect(() => loadConfig({}, [`--config=${file}`])).toThrow(/section "server" must be a mapping/);
  });
});

/** The seed's own application.yaml, as its Spring Boot orchestrator reads it. */
const SEED_YAML = `
server:
  port: 8095
  error:
    include-message: never
management:
  endpoints:
    web:
      exposure:
        include: "*"
eureka:
  client:
    service-url:
      defaultZone: http://eureka:8761/eureka/
  instance:
    instance-id: \${spring.application.name}:\${random.value}
spring:
  application:
    name: ORCHESTRATOR-SERVICE
  kafka:
    bootstrap-servers: kafka:9092
    consumer:
      group-id: orchestrator-group
      value-deserializer: org.springframework.kafka.support.serializer.JsonDeserializer
  datasource:
    url: jdbc:postgresql://postgres:5432/orchestrator
    username: orch
    password: "s3cr:t"
  data:
    redis:
      host: redis
      port: 6379
services:
  product-service:
    url: http://product:8081
  payment-service: http://payment:8083
saga:
  timeout: 45s
  retry:
    max-attempts: 5
    backoff: 2s
`;

function seedFile(text = SEED_YAML): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'application.yaml');
  writeFileSync(file, text);
  return file;
}

describe("loadConfig: the seed's names", () => {
  it("reads the seed's environment variables, including the hyphenated Eureka one", () => {
    const config = loadConfig({
      SERVER_PORT: '9001',
      SPRING_KAFKA_BOOTSTRAP_SERVERS: 'kafka-1:9092, kafka-2:9092',
      SPRING_DATASOURCE_URL: 'jdbc:postgresql://db.internal:5433/orders?sslmode=require',
      SPRING_DATASOURCE_USERNAME: 'saga',
      SPRING_DATASOURCE_PASSWORD: 'p@ss/word',
      'EUREKA_CLIENT_SERVICE-URL_DEFAULTZONE': 'http://eureka-1:8761/eureka/,http://eureka-2:8761/eureka/',
    }, []);
    expect(config.server.port).toBe(9001);
    expect(config.kafka.brokers).toBe('kafka-1:9092,kafka-2:9092');
    expect(config.database.url).toBe('postgres://saga:p%40ss%2Fword@db.internal:5433/orders?sslmode=require');
    expect(config.eureka.serviceUrl).toEqual(['http://eureka-1:8761/eureka/', 'http://eureka-2:8761/eureka/']);
    expect(config.seed.read).toContain('SPRING_KAFKA_BOOTSTRAP_SERVERS -> kafka.brokers');
  });

  it.each([
    ['EUREKA_CLIENT_SERVICEURL_DEFAULTZONE'],
    ['EUREKA_CLIENT_SERVICE_URL_DEFAULTZONE'],
    ['EUREKA_CLIENT_SERVICE-URL_DEFAULTZONE'],
  ])('takes the Eureka URL from %s (Spring relaxed binding)', (name) => {
    expect(loadConfig({ [name]: 'http://e:8761/eureka' }, []).eureka.serviceUrl).toEqual(['http://e:8761/eureka']);
  });

  it("lets our own names win over the seed's, in the environment and across file and environment", () => {
    const config = loadConfig({
      SPRING_KAFKA_BOOTSTRAP_SERVERS: 'seed:9092', KAFKA_BROKERS: 'ours:9092',
      SPRING_DATASOURCE_URL: 'jdbc:postgresql://seed:5432/db', DATABASE_URL: 'postgres://ours@db:5432/db',
      EUREKA_CLIENT_SERVICEURL_DEFAULTZONE: 'http://seed:8761/eureka', EUREKA_SERVICE_URL: 'http://ours:8761/eureka',
    }, []);
    expect(config.kafka.brokers).toBe('ours:9092');
    expect(config.database.url).toBe('postgres://ours@db:5432/db');
    expect(config.eureka.serviceUrl).toEqual(['http://ours:8761/eureka']);
    const file = seedFile('kafka:\n  brokers: ours-file:9092\nspring:\n  kafka:\n    bootstrap-servers: seed-file:9092\n');
    expect(loadConfig({}, ['--config', file]).kafka.brokers).toBe('ours-file:9092');
    expect(loadConfig({ SPRING_KAFKA_BOOTSTRAP_SERVERS: 'seed-env:9092' }, ['--config', file]).kafka.brokers).toBe('ours-file:9092');
  });

  it("reads the seed's application.yaml shape, resolving its placeholders, and reports what it ignores", () => {
    const config = loadConfig({}, [`--spring.config.location=file:${seedFile()}`]);
    expect(config.server.port).toBe(8095);
    expect(config.kafka.brokers).toBe('kafka:9092');
    expect(config.kafka.groupId).toBe('orchestrator-group');
    expect(config.database.url).toBe('postgres://orch:s3cr%3At@postgres:5432/orchestrator');
    expect(config.eureka.serviceUrl).toEqual(['http://eureka:8761/eureka/']);
    expect(config.eureka.appName).toBe('ORCHESTRATOR-SERVICE');
    expect(config.eureka.instanceId).toMatch(/^ORCHESTRATOR-SERVICE:[0-9a-f]{32}$/);
    expect(config.participantHttp.services).toEqual({ 'product-service': 'http://product:8081', 'payment-service': 'http://payment:8083' });
    expect(config.saga).toMatchObject({ stepTimeoutMs: 45000, maxAttempts: 5, initialBackoffMs: 2000 });
    const ignored = config.seed.ignored.join('\n');
    expect(ignored).toMatch(/spring\.data\.redis\.host .*Redis is not used: saga state.* PostgreSQL/);
    expect(ignored).toMatch(/spring\.kafka\.consumer\.value-deserializer/);
    expect(ignored).toMatch(/management\.endpoints\.web\.exposure\.include/);
    expect(ignored).toMatch(/server\.error\.include-message/);
    expect(ignored).not.toMatch(/bootstrap-servers|datasource\.url|defaultZone|group-id/);
  });

  it('reads seed environment variables over the seed file, and reports unread SPRING_* variables', () => {
    const config = loadConfig({ SPRING_KAFKA_BOOTSTRAP_SERVERS: 'env:9092', SPRING_DATA_REDIS_HOST: 'redis', EUREKA_INSTANCE_ID: 'ours' }, ['--config', seedFile()]);
    expect(config.kafka.brokers).toBe('env:9092');
    expect(config.eureka.instanceId).toBe('ours');
    expect(config.seed.ignored.join('\n')).toMatch(/SPRING_DATA_REDIS_HOST \(environment\): Redis is not used/);
    expect(config.seed.ignored.join('\n')).not.toMatch(/EUREKA_INSTANCE_ID|SPRING_KAFKA/);
  });

  it('accepts our own keys in Spring style (kebab case) in our sections', () => {
    const config = loadConfig({}, ['--config', seedFile('saga:\n  coupon-policy: fail\n  step-timeout-ms: 700\nkafka:\n  group-id: g\n')]);
    expect(config.saga.couponPolicy).toBe('fail');
    expect(config.saga.stepTimeoutMs).toBe(700);
    expect(config.kafka.groupId).toBe('g');
  });

  it.each([
    [{ SPRING_DATASOURCE_URL: 'jdbc:mysql://db:3306/x' }, /SPRING_DATASOURCE_URL: expected jdbc:postgresql:\/\/host:port\/database/],
    [{ SPRING_DATASOURCE_URL: 'jdbc:postgresql://a:5432,b:5432/x' }, /several hosts/],
    [{ SPRING_KAFKA_BOOTSTRAP_SERVERS: 'no-port' }, /SPRING_KAFKA_BOOTSTRAP_SERVERS \(kafka\.brokers\): expected host:port/],
    [{ SERVER_PORT: 'x' }, /SERVER_PORT \(server\.port\)/],
    [{ EUREKA_CLIENT_SERVICEURL_DEFAULTZONE: 'eureka:8761' }, /EUREKA_CLIENT_SERVICEURL_DEFAULTZONE \(eureka\.serviceUrl\): 'eureka:8761' is not an http\(s\) URL/],
  ])('names the seed variable of a bad value: %j', (env, error) => {
    expect(() => loadConfig(env, [])).toThrow(error);
  });

  it('converts JDBC URLs without a port, host or separate credentials', () => {
    expect(loadConfig({ SPRING_DATASOURCE_URL: 'jdbc:postgresql://db/orders?user=u&password=p' }, []).database.url).toBe('postgres://u:p@db/orders');
    expect(loadConfig({ SPRING_DATASOURCE_URL: 'jdbc:postgresql:orders' }, []).database.url).toBe('postgres://localhost:5432/orders');
  });

  it('reads Spring durations for the seed saga timeouts', () => {
    const cases: [string, number][] = [['1500', 1500], ['250ms', 250], ['2m', 120000], ['PT1M30S', 90000]];
    for (const [value, ms] of cases) expect(loadConfig({}, ['--config', seedFile(`saga:\n  timeout: ${value}\n`)]).saga.stepTimeoutMs).toBe(ms);
    expect(() => loadConfig({}, ['--config', seedFile('saga:\n  timeout: soon\n')])).toThrow(/saga\.timeout in .*expected a duration/);
  });

  it('resolves placeholders in our own keys too, against the file and the environment', () => {
    const file = seedFile('server:\n  port: ${PORT:8095}\nspring:\n  application:\n    name: orch-${server.port}\n');
    expect(loadConfig({}, ['--config', file]).server.port).toBe(8095);
    expect(loadConfig({ PORT: '9100' }, ['--config', file]).server.port).toBe(9100);
    expect(loadConfig({}, ['--config', file]).eureka.appName).toBe('orch-8095');
    expect(() => loadConfig({}, ['--config', seedFile('server:\n  port: ${NOPE}\n')])).toThrow(/server\.port: cannot resolve placeholder/);
  });

  it('fails on a placeholder it cannot resolve, naming the key', () => {
    expect(() => loadConfig({}, ['--config', seedFile('spring:\n  kafka:\n    bootstrap-servers: ${KAFKA_HOST}:9092\n')]))
      .toThrow(/spring\.kafka\.bootstrap-servers: cannot resolve placeholder \$\{KAFKA_HOST\}/);
    expect(loadConfig({ KAFKA_HOST: 'k' }, ['--config', seedFile('spring:\n  kafka:\n    bootstrap-servers: ${KAFKA_HOST}:9092\n')]).kafka.brokers).toBe('k:9092');
    expect(loadConfig({}, ['--config', seedFile('spring:\n  kafka:\n    bootstrap-servers: ${KAFKA_HOST:k2}:9092\n')]).kafka.brokers).toBe('k2:9092');
  });
});

describe('loadConfig: Eureka', () => {
  it('is off by default and has Spring Cloud intervals when on', () => {
    expect(loadConfig({}, []).eureka).toMatchObject({ serviceUrl: [], appName: 'ORCHESTRATOR-SERVICE', renewalIntervalSeconds: 30, leaseDurationSeconds: 90, registryFetchSeconds: 30 });
    const config = loadConfig({ EUREKA_SERVICE_URL: 'http://127.0.0.1:8761/eureka', EUREKA_RENEWAL_INTERVAL_SECONDS: '5', EUREKA_REGISTER: 'false' }, []);
    expect(config.eureka).toMatchObject({ serviceUrl: ['http://127.0.0.1:8761/eureka'], renewalIntervalSeconds: 5, register: false });
  });

  it('requires Eureka or a static address for lb:// routes', () => {
    const routes = { PARTICIPANT_HTTP_ROUTES: 'reserve-inventory-commands=lb://Product-Service/reserve' };
    expect(() => loadConfig(routes, [])).toThrow(/'reserve-inventory-commands' names service 'product-service'.*EUREKA_SERVICE_URL/);
    expect(loadConfig({ ...routes, EUREKA_SERVICE_URL: 'http://e:8761/eureka' }, []).participantHttp.routes['reserve-inventory-commands'])
      .toEqual({ url: 'lb://Product-Service/reserve', service: 'product-service' });
    expect(() => loadConfig({ ...routes, PARTICIPANT_HTTP_SERVICES: 'product-service=http://p:8081' }, [])).not.toThrow();
    expect(() => loadConfig({ ...routes, EUREKA_SERVICE_URL: 'http://e:8761/eureka', EUREKA_ENABLED: 'false' }, [])).toThrow(/names service/);
  });
});
