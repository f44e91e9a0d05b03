import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ormConfig } from '../../../src/persistence/mikro-orm.config';
import { MIGRATIONS } from '../../../src/persistence/migrations';
import { SagaReadRepository } from '../../../src/persistence/saga-read-repository';
import { failedStep } from '../../../src/persistence/search-keys';
import { paymentMethods } from '../../../src/sagas/order/search-keys';
import type { AnySagaState } from '../../../src/runtime/ports';
import { createTestDatabase, type TestDatabase } from '../../helpers/services';
import type { SagaListFilter } from '../../../src/runtime/ports';

const SEARCH_MIGRATION = 'Migration20261126010000';

/** Just the parts of a state that the search keys read. */
function state(status: string, failureStatus: string | null, started: string[], methods: string[] | null): AnySagaState {
  const steps = ['reserveInventory', 'applyCoupon', 'processPayment', 'confirmInventory'].map((name, i) => ({
    name, status: started.includes(name) ? 'SUCCEEDED' : 'PENDING', startedAtMs: started.includes(name) ? 1000 + i : null,
  }));
  return {
    status, failureStatus, steps,
    data: methods === null ? { note: 'no payments' } : { payments: methods.map((paymentMethod) => ({ paymentMethod, amount: '1.00' })) },
  } as unknown as AnySagaState;
}

/** Captures the SQL the repository runs, to EXPLAIN the very same statement. */
class CapturingReads extends SagaReadRepository {
  last: { sql: string; params: unknown[] } | null = null;
  protected override query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    this.last = { sql, params };
    return super.query<T>(sql, params);
  }
}

describe('search by business keys: columns, backfill and indexes', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let pg: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await MikroORM.init(ormConfig(db.url, 2));
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await orm?.close(true);
    await db?.drop();
  });

  const samples: [string, AnySagaState][] = [
    ['completed split', state('COMPLETED', null, ['reserveInventory', 'processPayment', 'confirmInventory'], ['CREDIT_CARD', 'GIFT_CARD', 'CREDIT_CARD'])],
    ['payment failed', state('PAYMENT_FAILED', 'PAYMENT_FAILED', ['reserveInventory', 'applyCoupon', 'processPayment'], ['PAYPAL'])],
    ['compensating', state('COMPENSATING', 'APPROVAL_FAILED', ['reserveInventory', 'processPayment', 'confirmInventory'], ['DEBIT_CARD'])],
    ['compensation failed', state('COMPENSATION_FAILED', 'PAYMENT_FAILED', ['reserveInventory', 'processPayment'], ['DEBIT_CARD'])],
    ['aborted while running', state('ABORTED', null, ['reserveInventory'], ['APPLE_PAY'])],
    ['running', state('RUNNING', null, ['reserveInventory', 'processPayment'], ['KLARNA'])],
    ['no payments in data', state('INVENTORY_ERROR', 'INVENTORY_ERROR', ['reserveInventory'], null)],
  ];

  it('backfills sagas written before the migration with the rules of search-keys.ts', async () => {
    const migrator = orm.getMigrator();
    const before = MIGRATIONS[MIGRATIONS.findIndex((m) => m.name === SEARCH_MIGRATION) - 1].name;
    await migrator.up({ to: before });
    for (const [i, [, s]] of samples.entries()) {
      await pg.query(
        `insert into saga_instance (id, type, definition_version, order_id, status, state, created_at, updated_at)
         values (gen_random_uuid(), 'order', 1, gen_random_uuid(), $1, $2, now() - $3 * interval '1 second', now())`,
        [s.status, JSON.stringify(s), i],
      );
    }
    await migrator.up();
    expect(await migrator.getPendingMigrations()).toEqual([]);
    const { rows } = await pg.query<{ state: AnySagaState; payment_methods: string[] | null; failed_step: string | null }>(
      'select state, payment_methods, failed_step from saga_instance order by created_at desc');
    const sorted = (a: string[] | null) => (a === null ? null : [...a].sort());
    expect(rows.map((r) => [r.state.status, sorted(r.payment_methods), r.failed_step]))
      .toEqual(samples.map(([, s]) => [s.status, sorted(paymentMethods(s.data)), failedStep(s)]));
    expect(rows.map((r) => r.failed_step)).toEqual([null, 'processPayment', 'confirmInventory', 'processPayment', 'reserveInventory', null, 'reserveInventory']);
  });

  it('answers every new filter from its index (EXPLAIN of the statements list() and count() run)', async () => {
    // 20,000 sagas; the keys searched for are rare, as a selective search is the case the indexes are for.
    await pg.query(`
      insert into saga_instance (id, type, definition_version, business_key, order_id, customer_id, status, state, total_amount, last_error,
        payment_methods, failed_step, created_at, updated_at)
      select gen_random_uuid(), 'order', 1, 'key-' || i, gen_random_uuid(), 'c-' || (i % 5000), case when i % 100 = 0 then 'PAYMENT_FAILED' else 'COMPLETED' end,
        '{}', (i % 10000) / 10.0,
        case when i % 100 = 0 then 'payment of ' || i || '.00 by CARD failed: card declined #' || i end,
        case when i % 1000 = 0 then '{RARE_PAY,CREDIT_CARD}'::text[] else '{CREDIT_CARD}'::text[] end,
        case when i % 100 = 0 then case when i % 1000 = 0 then 'confirmInventory' else 'processPayment' end end,
        now() - i * interval '1 minute', now()
      from generate_series(1, 20000) i`);
    await pg.query('analyze saga_instance');
    const reads = new CapturingReads(orm);
    const cases: [SagaListFilter, string][] = [
      [{ paymentMethod: 'RARE_PAY' }, 'saga_instance_payment_methods_index'],
      [{ minAmount: '500.0', maxAmount: '500.5' }, 'saga_instance_total_amount_index'],
      [{ failedStep: 'confirmInventory' }, 'saga_instance_failed_step_index'],
      [{ lastErrorText: 'declined #1234' }, 'saga_instance_last_error_trgm_index'],
    ];
    for (const [filter, index] of cases) {
      for (const run of [() => reads.list(filter, 20, null), () => reads.count(filter)]) {
        await run();
        const { sql, params } = reads.last!;
        let n = 0;
        const text = sql.replace(/\?/g, () => `$${++n}`);
        const plan = (await pg.query(`explain ${text}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
        expect([filter, plan]).toEqual([filter, expect.stringContaining(index)]);
      }
    }
  });
});
