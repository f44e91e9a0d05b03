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
    writeFileSync(file, 'nonsense:\n  a: 1\n');
    expect(() => loadConfig({}, [`--config=${file}`])).toThrow(/unknown section "nonsense"/);
  });
});
