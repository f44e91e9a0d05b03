import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { Client, type Pool } from 'pg';
import pino from 'pino';
import { checkRegisteredDefinitions } from '../../../src/app/definitions';
import {
  createRegistry, definitionFingerprint, DefinitionConflictError, fingerprintsOf, startSaga, type AnySagaDefinition,
} from '../../../src/core';
import { openDatabase, openEnginePool } from '../../../src/persistence/database';
import { PostgresDefinitionCatalog } from '../../../src/persistence/definition-catalog';
import { PostgresSagaStore } from '../../../src/persistence/saga-repository';
import { orderSagaData, orderSagaDefinition } from '../../../src/sagas/order';
import { startTestService } from '../../helpers/service';
import { createTestDatabase, uniqueName, type TestDatabase } from '../../helpers/services';
import { orderCreated } from '../../unit/support/order';

jest.setTimeout(120000);

/**
 * The start-up check of registered definitions against the sagas in use, on the real database:
 * each new saga stores its definition's fingerprint, a changed name@version with sagas running
 * on it is refused, and a match, a bumped version or a version no saga uses is accepted.
 */
describe('registered definitions checked at start', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let pool: Pool;
  let sql: Client;
  const catalog = () => new PostgresDefinitionCatalog(orm);
  const v1 = orderSagaDefinition({ couponPolicy: 'continue' });
  const v1Changed = orderSagaDefinition({ couponPolicy: 'fail' });
  const v2 = orderSagaDefinition({ couponPolicy: 'fail', version: 2 });

  beforeAll(async () => {
    db = await createTestDatabase();
    orm = await openDatabase(db.url, 3);
    pool = openEnginePool(db.url, 3, (error) => { throw error; });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await pool?.end();
    await orm?.close(true);
    await db?.drop();
  });
  beforeEach(async () => {
    await sql.query('truncate saga_instance, saga_timer, saga_step, saga_event, outbox_message, saga_definition cascade');
  });

  /** Starts an order saga on `def` through the store, as the runtime does; its id. */
  async function startOrderSaga(def: AnySagaDefinition, fingerprints: ReadonlyMap<string, string> = fingerprintsOf([def])): Promise<string> {
    const order = orderCreated({ eventId: randomUUID(), orderId: randomUUID() });
    const t = startSaga(def, { sagaId: randomUUID(), businessKey: order.orderId, data: orderSagaData(order), causationId: order.eventId }, {
      now: new Date(), newId: randomUUID, random: Math.random,
    });
    await new PostgresSagaStore(pool, fingerprints).inTransaction((tx) => tx.write([
      { state: t.state, previousVersion: null, previousEventSeq: 0, events: t.events, outbox: t.outbox, actor: 'system' },
    ]));
    return t.state.id;
  }

  async function check(defs: AnySagaDefinition[], logger = pino({ level: 'silent' })): Promise<void> {
    const registry = createRegistry(defs);
    await checkRegisteredDefinitions(registry, fingerprintsOf(registry.list()), catalog(), logger);
  }

  async function recorded(): Promise<{ name: string; version: number; fingerprint: string }[]> {
    return (await sql.query('select name, version, fingerprint from saga_definition order by name, version')).rows;
  }

  it('stores the fingerprint of its definition with each new saga, and no update changes it', async () => {
    const id = await startOrderSaga(v1);
    const row = (await sql.query('select fingerprint from saga_instance where id = $1', [id])).rows[0];
    expect(row.fingerprint).toBe(definitionFingerprint(v1));
    // An update, by a store that knows no fingerprints at all, leaves the saga's own.
    const store = new PostgresSagaStore(pool);
    await store.inTransaction(async (tx) => {
      const stored = (await tx.lockSagas([id])).get(id)!;
      await tx.write([{
        state: { ...stored.state, updatedAtMs: stored.state.updatedAtMs + 1 }, previousVersion: stored.version,
        previousEventSeq: stored.eventSeq, events: [], outbox: [], actor: 'system',
      }]);
    });
    expect((await sql.query('select version, fingerprint from saga_instance where id = $1', [id])).rows[0])
      .toEqual({ version: 2, fingerprint: definitionFingerprint(v1) });
    expect(await catalog().usage()).toEqual([{ name: 'order', version: 1, fingerprint: definitionFingerprint(v1), running: 1 }]);
  });

  it('accepts the same definitions as the sagas running on them, and records them', async () => {
    await startOrderSaga(v1);
    await startOrderSaga(v1);
    await expect(check([v1])).resolves.toBeUndefined();
    expect(await recorded()).toEqual([{ name: 'order', version: 1, fingerprint: definitionFingerprint(v1) }]);
  });

  it('refuses a changed name@version while sagas run on it, says to bump the version, and records nothing', async () => {
    await check([v1]);
    await startOrderSaga(v1);
    const refused = check([v1Changed]);
    await expect(refused).rejects.toBeInstanceOf(DefinitionConflictError);
    await expect(refused).rejects.toThrow(
      /^refusing to start: order@1 has changed \(fingerprint [0-9a-f]{12}\) while 1 saga that started with it is still running .*bump the version, registering the change as order@2 and keeping order@1 as it was/,
    );
    expect(await recorded()).toEqual([{ name: 'order', version: 1, fingerprint: definitionFingerprint(v1) }]);
  });

  it('accepts the change as a new version while the old one stays registered, and refuses dropping the old one', async () => {
    await startOrderSaga(v1);
    await expect(check([v1, v2])).resolves.toBeUndefined();
    expect((await recorded()).map((r) => r.version)).toEqual([1, 2]);
    await expect(check([v2])).rejects.toThrow('order@1 is not registered, but 1 saga that started with it is still running: keep registering order@1 until they have finished.');
  });

  it('accepts and records a changed definition when no saga runs on it (ended sagas do not count), and logs the change', async () => {
    await check([v1]);
    const times = async () => (await sql.query('select first_registered_at, fingerprint_recorded_at from saga_definition')).rows[0];
    const before = await times();
    const id = await startOrderSaga(v1);
    await sql.query(`update saga_instance set status = 'COMPLETED' where id = $1`, [id]);
    await sql.query('delete from saga_timer where saga_id = $1', [id]);
    const logged: unknown[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => { logged.push(JSON.parse(line)); } });
    await expect(check([v1Changed], logger)).resolves.toBeUndefined();
    expect(await recorded()).toEqual([{ name: 'order', version: 1, fingerprint: definitionFingerprint(v1Changed) }]);
    const after = await times();
    expect(after.first_registered_at).toEqual(before.first_registered_at);
    expect(after.fingerprint_recorded_at.getTime()).toBeGreaterThan(before.fingerprint_recorded_at.getTime());
    expect(logged).toContainEqual(expect.objectContaining({ definition: 'order@1', msg: 'saga definition changed while no saga ran on it: new fingerprint recorded' }));
  });

  it('counts an ended saga with a timer armed (an unkept effect being undone) and one waiting for an operator as running', async () => {
    const undoing = await startOrderSaga(v1);
    await sql.query(`update saga_instance set status = 'PAYMENT_FAILED' where id = $1`, [undoing]);
    const stuck = await startOrderSaga(v1);
    await sql.query(`update saga_instance set status = 'COMPENSATION_FAILED' where id = $1`, [stuck]);
    await sql.query('delete from saga_timer where saga_id = $1', [stuck]);
    expect(await catalog().usage()).toEqual([{ name: 'order', version: 1, fingerprint: definitionFingerprint(v1), running: 2 }]);
    await expect(check([v1Changed])).rejects.toThrow('while 2 sagas that started with it are still running');
  });

  it('accepts sagas started before fingerprints were recorded: there is nothing to compare them with', async () => {
    await startOrderSaga(v1, new Map());
    expect(await catalog().usage()).toEqual([{ name: 'order', version: 1, fingerprint: null, running: 1 }]);
    await expect(check([v1Changed])).resolves.toBeUndefined();
  });

  it('refuses to start the service whose configuration changed the order saga under running sagas, and starts it unchanged', async () => {
    const env = { KAFKA_TOPIC_PREFIX: `${uniqueName('defs')}.`, KAFKA_GROUP_ID: uniqueName('orchestrator'), SAGA_STEP_TIMEOUT_MS: '600000' };
    const first = await startTestService(env, db);
    const fingerprints = first.runtime.fingerprints;
    await first.stop();
    await startOrderSaga(first.runtime.registry.latest('order')!, fingerprints);

    const again = await startTestService(env, db);
    await again.stop();
    await expect(startTestService({ ...env, SAGA_COUPON_POLICY: 'fail' }, db))
      .rejects.toThrow(/^refusing to start: order@1 has changed .* bump the version/);
    await expect(startTestService({ ...env, SAGA_STEP_TIMEOUT_MS: '500000' }, db)).rejects.toThrow('order@1 has changed');
  });
});
