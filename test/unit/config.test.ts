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

  it('names the bad variable', () => {
    expect(() => loadConfig({ SERVER_PORT: 'eighty' }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ SERVER_PORT: 'eighty' }, [])).toThrow(/SERVER_PORT \(server\.port\)/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'no port here' }, [])).toThrow(/KAFKA_BROKERS/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' }, [])).toThrow(/LOG_LEVEL/);
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
    writeFileSync(file, 'nonsense:\n  a: 1\n');
    expect(() => loadConfig({}, [`--config=${file}`])).toThrow(/unknown section "nonsense"/);
  });
});
