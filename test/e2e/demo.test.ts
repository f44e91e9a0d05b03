import pino from 'pino';
import { Client } from 'pg';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/app';
import { TEST_AUTH_TOKENS } from '../helpers/auth';
import { createTestDatabase, eventually, type TestDatabase } from '../helpers/services';

/** `npm start`'s demo (simulators in-process) leaves sagas a newcomer can step in on. */
describe('the demo orders', () => {
  let db: TestDatabase;
  let service: RunningService;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    // No KAFKA_BROKERS: the in-process transport with the simulators, as `npm start` runs.
    service = await startService(loadConfig({ DATABASE_URL: db.url, SERVER_PORT: '0', LOG_LEVEL: 'silent', AUTH_TOKENS: TEST_AUTH_TOKENS }, []), pino({ level: 'silent' }));
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await service?.stop();
    await db?.drop();
  });

  const sagaOf = async (customerId: string) => (await pg.query<{ status: string; current_step: string }>('select status, current_step from saga_instance where customer_id = $1', [customerId])).rows[0];

  it('leaves one saga waiting on a silent payment and one with a failing compensation, besides the finished ones', async () => {
    const waiting = await eventually(async () => { const s = await sagaOf('sim:silent:ProcessPayment'); return s?.current_step === 'processPayment' ? s : undefined; }, 20000, 'the silent payment saga');
    expect(waiting.status).toBe('RUNNING');
    const compensating = await eventually(async () => { const s = await sagaOf('sim:fail-payment,fail-release'); return s?.status === 'COMPENSATING' ? s : undefined; }, 20000, 'the failing compensation');
    expect(compensating.current_step).toBe('reserveInventory'); // its release is never answered
    const ended = async () => (await pg.query<{ n: number }>("select count(*)::int as n from saga_instance where status not in ('RUNNING', 'COMPENSATING')")).rows[0].n;
    await eventually(async () => ((await ended()) === 8 ? true : undefined), 20000, 'the other eight demo sagas to end');
  });
});
