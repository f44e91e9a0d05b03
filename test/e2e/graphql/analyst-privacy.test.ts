import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema, getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isObjectType,
  type GraphQLField, type GraphQLInputType, type GraphQLNamedType, type GraphQLSchema,
} from 'graphql';
import type { Client } from 'graphql-ws';
import { Pool } from 'pg';
import type { Role } from '../../../src/graphql/context';
import { bearer, wsAuth } from '../../helpers/auth';
import { postGraphQL, wsClient } from '../../helpers/graphql';
import { startTestService, type TestService } from '../../helpers/service';
import { eventually, uniqueName } from '../../helpers/services';

/**
 * The analyst role, over HTTP and graphql-ws, through every query and every subscription of the
 * schema, each with every field selected: no personal value planted in the orders, the operators'
 * actions, a bulk action or the stored data shows up anywhere in what it reads. Admins and viewers
 * see the same values, so the check can fail.
 */
const SCHEMA: GraphQLSchema = buildSchema(readFileSync(join(__dirname, '../../../schema/schema.graphql'), 'utf8'));
const tag = randomUUID().slice(0, 8);
const PII = {
  customerId: `cust-${tag}-4711`,
  email: `janelle.roe.${tag}@example.org`,
  phone: `+49 170 ${tag.replace(/[a-f]/g, '7')}`,
  firstName: `Janelle${tag}`,
  lastName: `Roe${tag}`,
  street: `${tag} Privet Drive 4`,
};
const keys: string[] = [];
const plantedKey = () => { const k = `ticket-${tag}-${keys.length}-${randomUUID().slice(0, 6)}`; keys.push(k); return k; };
const reason = `${PII.firstName} ${PII.lastName} called from ${PII.phone}, ${PII.email}`;

/** Every planted value; a response leaks when one occurs in it, also inside base64url (cursors). */
function leaks(response: unknown): string[] {
  const planted = [...Object.values(PII), ...keys];
  const strings: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      strings.push(v);
      if (/^[A-Za-z0-9_-]{8,}={0,2}$/.test(v)) strings.push(Buffer.from(v, 'base64url').toString('utf8'));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => { strings.push(k); walk(x); });
  };
  walk(response);
  return planted.filter((p) => strings.some((s) => s.includes(p)));
}

/** A selection of every field reachable from `type` within `depth` levels (required nested arguments excepted). */
function selectAll(type: GraphQLNamedType, depth: number): string {
  if (!isObjectType(type)) return '';
  const fields = Object.values(type.getFields()).flatMap((field: GraphQLField<unknown, unknown>) => {
    if (field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined)) return [];
    const named = getNamedType(field.type);
    if (isLeafType(named)) return [field.name];
    return depth > 0 ? [`${field.name} ${selectAll(named, depth - 1)}`] : [];
  });
  return `{ ${fields.join(' ')} }`;
}

/** A literal of `type` with every required field filled in. */
function sample(type: GraphQLInputType): string {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return `[${sample(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    return `{ ${Object.values(type.getFields()).filter((f) => isNonNullType(f.type)).map((f) => `${f.name}: ${sample(f.type)}`).join(', ')} }`;
  }
  return ({ Int: '1', Float: '1', Boolean: 'true', ID: `"${randomUUID()}"`, JSONObject: '{}' } as Record<string, string>)[type.name] ?? '"sample-text-0001"';
}

function operation(kind: 'query' | 'subscription', field: string, args: string): string {
  const root = kind === 'query' ? SCHEMA.getQueryType()! : SCHEMA.getSubscriptionType()!;
  const type = getNamedType(root.getFields()[field].type);
  return `${kind} { ${field}${args ? `(${args})` : ''} ${selectAll(type, 4)} }`;
}

describe('the analyst role sees no personal data, on any query or subscription', () => {
  let service: TestService;
  let db: Pool;
  const url = () => service.url;
  let stuck: { id: string; orderId: string };
  let bulkId: string;

  async function as<T = any>(role: Role, query: string, variables?: Record<string, unknown>) {
    const { body } = await postGraphQL<T>(url(), query, variables, bearer(role));
    return body;
  }

  async function startSaga(customerId: string): Promise<{ id: string; orderId: string }> {
    const body = await as('operator', `mutation($input: StartSagaInput!) { startSaga(input: $input) { id orderId } }`, {
      input: {
        customerId, currency: 'EUR', totalAmount: '20.00', paymentMethod: 'CREDIT_CARD', reason,
        items: [{ productId: randomUUID(), sku: 'SKU-1', quantity: 2, unitPrice: '10.00' }], idempotencyKey: plantedKey(),
      },
    });
    expect(body.errors).toBeUndefined();
    return body.data.startSaga;
  }

  async function act(mutation: string, args: Record<string, unknown>) {
    const body = await as('operator', `mutation($reason: String!, $key: String!) { ${mutation}(${Object.entries(args).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}, reason: $reason, idempotencyKey: $key) { id status } }`, { reason, key: plantedKey() });
    expect(body.errors).toBeUndefined();
  }

  beforeAll(async () => {
    // No participants: the sagas wait in reserveInventory, where operators act on them.
    service = await startTestService({ KAFKA_TOPIC_PREFIX: `${uniqueName('privacy')}.`, KAFKA_GROUP_ID: uniqueName('orchestrator'), SAGA_STEP_TIMEOUT_MS: '600000' });
    db = new Pool({ connectionString: service.database.url, max: 2 });
    stuck = await startSaga(PII.customerId);
    const byEmail = await startSaga(PII.email);
    const compensated = await startSaga(`${PII.customerId}-2`);
    // What a definition whose order carries contact details stores: in the data and in an event.
    const contact = { customerEmail: PII.email, phoneNumber: PII.phone, firstName: PII.firstName, lastName: PII.lastName, shippingAddress: { street: PII.street } };
    await db.query(`update saga_instance set state = jsonb_set(state::jsonb, '{data,contact}', $2::jsonb)::json where id = $1`, [stuck.id, JSON.stringify(contact)]);
    await db.query(`update saga_event set detail = (detail::jsonb || jsonb_build_object('contact', $2::jsonb))::json where saga_id = $1 and seq = 1`, [stuck.id, JSON.stringify(contact)]);
    await act('retryStep', { sagaId: stuck.id, step: 'reserveInventory' });
    await act('compensateSaga', { id: compensated.id });
    await act('abortSaga', { id: byEmail.id });
    const preview = await as('operator', `mutation($c: String) { previewBulkAction(filter: { customerId: $c }, action: { action: RESUME }) { token count } }`, { c: PII.customerId });
    expect(preview.data.previewBulkAction.count).toBe(1);
    bulkId = preview.data.previewBulkAction.token;
    const run = await as('operator', `mutation($t: ID!, $r: String!, $k: String!) { runBulkAction(token: $t, reason: $r, idempotencyKey: $k) { id } }`, { t: bulkId, r: reason, k: plantedKey() });
    expect(run.errors).toBeUndefined();
    await eventually(async () => ((await as('admin', `query($id: ID!) { bulkAction(id: $id) { status } }`, { id: bulkId })).data.bulkAction.status === 'FINISHED' ? true : undefined), 20000, 'bulk run');
  }, 60000);

  afterAll(async () => {
    await db?.end();
    await service?.stop();
    await service?.database.drop();
  });

  /** Every query of the schema with its arguments. */
  const queries = (): Record<string, string> => ({
    serviceInfo: '',
    me: '',
    saga: `id: "${stuck.id}"`,
    sagaByOrder: `orderId: "${stuck.orderId}"`,
    sagas: 'first: 5',
    sagaStats: 'window: 3600',
    sagaDefinitions: '',
    compensationPlan: `sagaId: "${stuck.id}"`,
    bulkAction: `id: "${bulkId}"`,
    auditLog: 'first: 50',
  });
  /** Every subscription of the schema with its arguments and how many results to take. */
  const subscriptions = (): Record<string, { args: string; take: number; live?: boolean }> => ({
    heartbeat: { args: 'intervalMs: 100', take: 1 },
    sagaUpdated: { args: `id: "${stuck.id}"`, take: 1, live: true },
    sagaStepUpdated: { args: `filter: { sagaId: "${stuck.id}" }`, take: 1, live: true },
    sagaEvents: { args: `sagaId: "${stuck.id}"`, take: 5 },
    sagaEventFeed: { args: '', take: 20 },
    sagaStats: { args: 'window: 3600', take: 1 },
    bulkActionProgress: { args: `id: "${bulkId}"`, take: 2 },
    auditLogUpdated: { args: `filter: { sagaId: "${stuck.id}" }`, take: 1, live: true },
  });

  it('covers every query and subscription field of the schema', () => {
    expect(Object.keys(SCHEMA.getQueryType()!.getFields()).sort()).toEqual(Object.keys(queries()).sort());
    expect(Object.keys(SCHEMA.getSubscriptionType()!.getFields()).sort()).toEqual(Object.keys(subscriptions()).sort());
  });

  /** Runs one operation over graphql-ws and returns its first `take` results. */
  function overSocket(client: Client, query: string, take: number): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      const results: unknown[] = [];
      const unsubscribe = client.subscribe({ query }, {
        next: (value) => {
          if (value.errors) { unsubscribe(); reject(new Error(`${query.slice(0, 60)}: ${JSON.stringify(value.errors)}`)); return; }
          if (results.length < take) results.push(value.data);
          if (results.length === take) { unsubscribe(); resolve(results); }
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(results),
      });
    });
  }

  /** Everything a caller with `role` reads: every query over HTTP and graphql-ws, every subscription. */
  async function readEverything(role: Role): Promise<Record<string, unknown>> {
    const seen: Record<string, unknown> = {};
    for (const [field, args] of Object.entries(queries())) {
      const body = await as(role, operation('query', field, args));
      expect({ field, errors: body.errors }).toEqual({ field, errors: undefined });
      seen[`http ${field}`] = body.data;
    }
    const client = wsClient(url(), wsAuth(role));
    try {
      for (const [field, args] of Object.entries(queries())) seen[`ws ${field}`] = await overSocket(client, operation('query', field, args), 1);
      const waiting = new Set(Object.keys(subscriptions()));
      const pending = Object.entries(subscriptions()).map(async ([field, s]) => {
        seen[`ws subscription ${field}`] = await overSocket(client, operation('subscription', field, s.args), s.take);
        waiting.delete(field);
      });
      const all = Promise.all(pending);
      // Live streams need a change after they started: act on the saga until each has had one.
      for (let i = 0; i < 60 && waiting.size > 0; i += 1) {
        await act('resendCommand', { sagaId: stuck.id, step: 'reserveInventory' });
        await Promise.race([all, new Promise((r) => setTimeout(r, 250))]);
      }
      expect([...waiting]).toEqual([]);
      await all;
    } finally {
      await client.dispose();
    }
    return seen;
  }

  it('gives an analyst no planted value on any path, over HTTP and graphql-ws', async () => {
    const seen = await readEverything('analyst');
    const leaked = Object.entries(seen).flatMap(([path, response]) => leaks(response).map((value) => `${path}: ${value}`));
    expect(leaked).toEqual([]);
    // The masked values are there, as masks: the paths did carry personal data.
    expect(JSON.stringify(seen[`http saga`])).toContain('***');
  }, 60000);

  it.each(['admin', 'viewer'] as const)('gives %s every planted value', async (role) => {
    const seen = await readEverything(role);
    const found = new Set(Object.values(seen).flatMap((response) => leaks(response)));
    expect([...Object.values(PII), keys[0]].filter((v) => !found.has(v))).toEqual([]);
  }, 60000);

  it('refuses analysts every mutation (their results are for the roles that may act)', async () => {
    const mutations = Object.values(SCHEMA.getMutationType()!.getFields());
    for (const field of mutations) {
      const args = field.args.filter((a) => isNonNullType(a.type)).map((a) => `${a.name}: ${sample(a.type)}`).join(', ');
      const body = await as('analyst', `mutation { ${field.name}${args ? `(${args})` : ''} { __typename } }`);
      expect({ field: field.name, code: body.errors?.[0].extensions?.code }).toEqual({ field: field.name, code: 'FORBIDDEN' });
    }
    expect(mutations.length).toBeGreaterThan(5);
  });

  it('refuses analysts a filter on what they cannot see, with FORBIDDEN', async () => {
    for (const filter of [`customerId: "${PII.customerId}"`, 'lastErrorText: "called"']) {
      const analyst = await as('analyst', `{ sagas(filter: { ${filter} }) { totalCount } }`);
      expect(analyst.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      const viewer = await as('viewer', `{ sagas(filter: { ${filter} }) { totalCount } }`);
      expect(viewer.errors).toBeUndefined();
    }
    const byCustomer = await as('viewer', `{ sagas(filter: { customerId: "${PII.customerId}" }) { totalCount } }`);
    expect(byCustomer.data.sagas.totalCount).toBe(1);
  });

  it('lets an analyst page the audit log with sealed cursors, and refuses a cursor it did not get', async () => {
    const page = (role: Role, after?: string) => as(role, `query($after: String) { auditLog(first: 2, after: $after) { entries { id sagaId action } endCursor hasNextPage } }`, { after });
    const first = await page('analyst');
    expect(first.data.auditLog.hasNextPage).toBe(true);
    const second = await page('analyst', first.data.auditLog.endCursor);
    expect(second.errors).toBeUndefined();
    const adminFirst = await page('admin');
    const adminSecond = await page('admin', adminFirst.data.auditLog.endCursor);
    // The same entries in the same order, the ids pseudonymous but stable.
    const ids = (body: any) => body.data.auditLog.entries.map((e: { sagaId: string; action: string }) => `${e.sagaId}/${e.action}`);
    expect(ids(second)).toEqual(ids(adminSecond));
    expect(second.data.auditLog.entries.map((e: { id: string }) => e.id)).toEqual((await page('analyst', first.data.auditLog.endCursor)).data.auditLog.entries.map((e: { id: string }) => e.id));
    const unsealed = await page('analyst', adminFirst.data.auditLog.endCursor);
    expect(unsealed.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
