import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/app';
import type { AnySagaModule } from '../../src/runtime/ports';
import { SAGA_MODULES } from '../../src/sagas';
import { TEST_AUTH_TOKENS } from './auth';
import { createTestDatabase, type TestDatabase } from './services';

export interface TestService extends RunningService {
  database: TestDatabase;
}

/**
 * Starts the whole service on a random port against a fresh database and the test broker;
 * `sagaModules`: the production ones, or a test build's (with test/support/sagas/).
 */
export async function startTestService(
  env: Record<string, string> = {}, database?: TestDatabase, sagaModules: readonly AnySagaModule[] = SAGA_MODULES,
): Promise<TestService> {
  const db = database ?? (await createTestDatabase());
  const config = loadConfig({
    SERVER_PORT: '0',
    DATABASE_URL: db.url,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
    LOG_LEVEL: 'silent',
    AUTH_TOKENS: TEST_AUTH_TOKENS,
    ...env,
  }, []);
  const service = await startService(config, pino({ level: config.log.level }), sagaModules);
  return { ...service, database: db };
}
