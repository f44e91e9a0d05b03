import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import { RetryStepDocument, StartSagaDocument } from '../../generated/graphql';
import { bearer, wsAuth } from '../../helpers/auth';
import { postGraphQL, wsClient } from '../../helpers/graphql';
import { OwnPostgres } from '../../helpers/own-postgres';
import { startTestService, type TestService } from '../../helpers/service';
import { eventually, uniqueName } from '../../helpers/services';

const SAGA_EVENTS = 'subscription ($sagaId: ID!) { sagaEvents(sagaId: $sagaId, afterSequence: 0) { sequence type } }';
const SAGA_UPDATED = 'subscription ($id: ID!) { sagaUpdated(id: $id) { saga { version } events { sequence } } }';
const STEP_UPDATES = 'subscription { sagaStepUpdated { sagaId event { sequence step } } }';

/** Everything a subscription sends, kept until the test looks. */
function collect<T>(client: Client, query: string, variables: Record<string, unknown>) {
  const items: T[] = [];
  const errors: unknown[] = [];
  client.subscribe<T>({ query, variables }, {
    next: (value) => { if (value.errors) errors.push(value.errors); else items.push(value.data as T); },
    error: (error) => errors.push(error),
    complete: () => errors.push(new Error('completed')),
  });
  return { items, errors };
}

async function ready(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/ready`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * The LISTEN connection across a PostgreSQL outage of a few seconds, on a cluster of the test's
 * own: live subscriptions, old and new, get changes again afterwards, the resumable sagaEvents
 * stream shows no gap (changes committed before the listener is back included), and /ready
 * reports the listener while it is away. With only the LISTEN connection away (the database up),
 * sagaStepUpdated across sagas shows the step events committed meanwhile once it is back.
 */
describe('live streams across a PostgreSQL outage', () => {
  let pg: OwnPostgres;
  let service: TestService;
  const clients: Client[] = [];

  beforeAll(async () => {
    pg = await OwnPostgres.start();
    service = await startTestService({
      KAFKA_TOPIC_PREFIX: `${uniqueName('outage')}.`, KAFKA_GROUP_ID: uniqueName('orchestrator'),
      SAGA_STEP_TIMEOUT_MS: '600000', DATABASE_POOL_SIZE: '4',
    }, pg.database);
  }, 120000);
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await service?.stop();
    await service?.database.drop();
  });

  const retry = (sagaId: string, reason: string) => postGraphQL(service.url, RetryStepDocument,
    { sagaId, step: 'reserveInventory', reason, idempotencyKey: randomUUID() }, bearer('operator'));
  /** One committed change; right after the restart the pool may still hand out dead connections. */
  const change = (sagaId: string, reason: string) => eventually(async () => {
    const result = await retry(sagaId, reason).catch(() => undefined);
    return result?.body.data?.retryStep ? result.body.data.retryStep : undefined;
  }, 30000, `retryStep (${reason}) to commit`);
  /** One statement on a connection of its own (the service's pool is not ours to use). */
  const queryAt = async <R extends object>(url: string, text: string, params: unknown[] = []): Promise<R[]> => {
    const sql = new PgClient({ connectionString: url });
    await sql.connect();
    try {
      return (await sql.query<R>(text, params)).rows;
    } finally {
      await sql.end();
    }
  };
  const eventSeq = async (sagaId: string) =>
    (await queryAt<{ event_seq: number }>(pg.url, 'select event_seq from saga_instance where id = $1', [sagaId]))[0].event_seq;

  /** A saga nobody answers ReserveInventory for: it waits there, and each retryStep is one change. */
  const waitingSaga = async (customerId: string) => {
    const started = await postGraphQL(service.url, StartSagaDocument, { input: {
      customerId, currency: 'EUR', totalAmount: '20.00', paymentMethod: 'CREDIT_CARD', idempotencyKey: randomUUID(),
      items: [{ productId: randomUUID(), sku: 'SKU-1', quantity: 2, unitPrice: '10.00' }],
    } }, bearer('operator'));
    expect(started.body.errors).toBeUndefined();
    return started.body.data!.startSaga.id as string;
  };
  const stepSeqs = async (sagaId: string, after: number) =>
    (await queryAt<{ seq: number }>(pg.url, 'select seq from saga_event where saga_id = $1 and seq > $2 and step is not null order by seq', [sagaId, after])).map((r) => r.seq);

  it('reconnects, catches up, and says so in /ready', async () => {
    const sagaId = await waitingSaga('outage-1');

    const old = wsClient(service.url, wsAuth('viewer'));
    clients.push(old);
    const events = collect<{ sagaEvents: { sequence: number } }>(old, SAGA_EVENTS, { sagaId });
    const updates = collect<{ sagaUpdated: { saga: { version: number } } }>(old, SAGA_UPDATED, { id: sagaId });
    await eventually(() => (events.items.length > 0 ? true : undefined), 20000, 'the stored events');
    await sleep(300); // both subscriptions registered
    await change(sagaId, 'before the outage');
    await eventually(() => (updates.items.length >= 1 ? true : undefined), 20000, 'a live update before the outage');

    await pg.pause();
    const during = await eventually(async () => {
      const r = await ready(service.url);
      return r.status === 503 && r.body.listener !== true ? r : undefined;
    }, 20000, '/ready to report the outage');
    await sleep(3000);
    await pg.resume();
    // Committed as soon as the database takes writes again, most likely before the listener is back.
    await change(sagaId, 'right after the restart');
    const after = await eventually(async () => {
      const r = await ready(service.url).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    }, 60000, '/ready to be 200 again');
    await change(sagaId, 'after the reconnect');

    const fresh = wsClient(service.url, wsAuth('viewer'));
    clients.push(fresh);
    const freshUpdates = collect<{ sagaUpdated: { saga: { version: number } } }>(fresh, SAGA_UPDATED, { id: sagaId });
    await sleep(300);
    const last = await change(sagaId, 'for the new subscriber');

    await eventually(() => (freshUpdates.items.some((u) => u.sagaUpdated.saga.version === last.version) ? true : undefined), 20000, 'the new subscriber to see the last change');
    await eventually(() => (updates.items.some((u) => u.sagaUpdated.saga.version === last.version) ? true : undefined), 20000, 'the old subscriber to see the last change');
    const total = await eventSeq(sagaId);
    await eventually(() => (events.items.length >= total ? true : undefined), 20000, `sagaEvents to reach sequence ${total}`);
    expect(events.items.map((e) => e.sagaEvents.sequence)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect([events.errors, updates.errors, freshUpdates.errors]).toEqual([[], [], []]);

    expect(during.status).toBe(503);
    expect(during.body.listener).toBe(false);
    expect(after.body.listener).toBe(true);
  }, 180000);

  /** A statement on the cluster's template1, so it works while the service's database refuses connections. */
  const admin = async (text: string) => {
    const url = new URL(pg.url);
    url.pathname = '/template1';
    return queryAt(url.toString(), text);
  };

  it('shows a cross-saga sagaStepUpdated subscriber the step events committed while the listener was away', async () => {
    const sagaId = await waitingSaga('outage-2');
    const client = wsClient(service.url, wsAuth('viewer'));
    clients.push(client);
    const from = await eventSeq(sagaId);
    const steps = collect<{ sagaStepUpdated: { sagaId: string; event: { sequence: number } } }>(client, STEP_UPDATES, {});
    const seen = () => steps.items.filter((u) => u.sagaStepUpdated.sagaId === sagaId).map((u) => u.sagaStepUpdated.event.sequence);
    await sleep(300); // registered
    await change(sagaId, 'before the outage');
    await eventually(() => (seen().length > 0 ? true : undefined), 20000, 'a live step update before the outage');

    // Only the LISTEN connections go away: the database refuses new connections and their
    // backends are ended, while the pools' open connections go on committing.
    const database = new URL(pg.url).pathname.slice(1);
    const listening = `select pid from pg_stat_activity where datname = '${database}' and query ilike 'listen saga_changes%'`;
    await admin(`alter database "${database}" allow_connections false`);
    try {
      await admin(`select pg_terminate_backend(pid) from (${listening}) l`);
      await eventually(async () => ((await ready(service.url)).body.listener === false ? true : undefined), 20000, '/ready to report the listener away');
      await change(sagaId, 'while the listener is away');
      await change(sagaId, 'again while the listener is away');
      // Nobody listened when they committed, so no notice of them reached the service.
      expect(await admin(listening)).toEqual([]);
    } finally {
      await admin(`alter database "${database}" allow_connections true`);
    }
    await eventually(async () => ((await ready(service.url).catch(() => undefined))?.status === 200 ? true : undefined), 60000, '/ready to be 200 again');
    await change(sagaId, 'after the reconnect');

    const expected = await stepSeqs(sagaId, from);
    await eventually(() => (seen().length >= expected.length ? true : undefined), 20000, `sagaStepUpdated to show step events ${expected.join(', ')}`)
      .catch(() => undefined);
    expect(seen()).toEqual(expected);
    expect(steps.errors).toEqual([]);
  }, 120000);
});
