import DataLoader from 'dataloader';
import { graphql, type GraphQLSchema } from 'graphql';
import { personalDataPolicy } from '../../../src/core/personal-data';
import type { GraphQLContext, Role } from '../../../src/graphql/context';
import { ANALYST_FIELD_RULES, fieldsNeedingRules, mustMask } from '../../../src/graphql/masking';
import { buildGraphQLSchema, type SchemaDependencies } from '../../../src/graphql/schema';
import { createSagaRegistry, orderSagaDefinition } from '../../../src/sagas';
import type { AuditRecord, SagaEventRecord, SagaRecord } from '../../../src/runtime/ports';

const SAGA_ID = '00000000-0000-4000-8000-000000000001';
const record = {
  key: { createdAt: '2026-12-01T00:00:00.000000Z', id: SAGA_ID },
  version: 3,
  eventSeq: 1,
  state: {
    id: SAGA_ID, definitionName: 'order', definitionVersion: 1, businessKey: '00000000-0000-4000-8000-000000000002', correlationId: SAGA_ID,
    status: 'COMPENSATED', failureStatus: 'COMPENSATED', failureReason: 'compensated by ops: Jane Roe asked', currentStep: null, lastError: 'Jane Roe asked',
    warnings: ['coupon rejected for Jane Roe'], startedAtMs: 0, updatedAtMs: 1, endedAtMs: 2, timer: null, outcomeSent: true,
    data: { customerId: 'cust-1', totalAmount: '20.00', contact: { customerEmail: 'jane@example.org' } },
    steps: [],
  },
} as unknown as SagaRecord;
const event: SagaEventRecord = { sagaId: SAGA_ID, seq: 1, type: 'MANUAL_ACTION', step: null, detail: { action: 'abort', reason: 'Jane Roe asked', customerId: 'cust-1' }, actor: 'ops', createdAt: new Date(0) } as SagaEventRecord;
const audit = {
  id: 'ticket-4711', sagaId: SAGA_ID, orderId: record.state.businessKey, action: 'abort', step: null, actor: 'ops', roles: ['operator'], reason: 'Jane Roe asked',
  at: new Date(0), stateBefore: { status: 'RUNNING' }, outcome: { status: 'SUCCEEDED', detail: 'aborted by ops: Jane Roe asked', sagaStatus: 'ABORTED', stepStatus: null },
} as unknown as AuditRecord;

async function schema(maskingSecret = 'unit-test-secret-0123456789'): Promise<GraphQLSchema> {
  return buildGraphQLSchema({
    info: { name: 'saga-control-plane', version: '0', transport: 'in-process', database: 'embedded', startedAt: new Date(0) },
    reads: { findById: async () => record, list: async () => ({ records: [record], hasNextPage: false }) } as unknown as SchemaDependencies['reads'],
    audit: { list: async () => [audit, { ...audit, id: 'ticket-4712' }] } as unknown as SchemaDependencies['audit'],
    registry: createSagaRegistry(),
    definitions: { usage: async () => [] },
    commands: {} as SchemaDependencies['commands'],
    changes: { subscribe: () => () => undefined },
    maskingSecret,
    paymentMethods: ['CREDIT_CARD'],
  });
}

function context(roles: Role[]): GraphQLContext {
  return {
    requestId: 'r', viewer: { actor: 'someone', roles },
    eventsLoader: new DataLoader(async (ids) => ids.map(() => [event])),
    outboxLoader: new DataLoader(async (ids) => ids.map(() => new Map())),
    auditLoader: new DataLoader(async (ids) => ids.map(() => [audit])),
  };
}

const QUERY = `{ saga(id: "${SAGA_ID}") { customerId failureReason lastError warnings data totalAmount status
  events { type actor detail } auditLog { id reason actor outcome { status detail } } } }`;

describe('analyst masking over the schema', () => {
  let built: GraphQLSchema;
  beforeAll(async () => { built = await schema(); });

  it('has an explicit rule for every text and JSON field of the schema, and none for a field that is gone', () => {
    const needed = fieldsNeedingRules(built).sort();
    expect(needed.filter((f) => !(f in ANALYST_FIELD_RULES))).toEqual([]);
    expect(Object.keys(ANALYST_FIELD_RULES).filter((f) => !needed.includes(f))).toEqual([]);
  });

  it('masks personal fields, free text and idempotency keys for analysts', async () => {
    const { data, errors } = await graphql({ schema: built, source: QUERY, contextValue: context(['analyst']) });
    expect(errors).toBeUndefined();
    expect(data!.saga).toEqual({
      customerId: '***', failureReason: '***', lastError: '***', warnings: ['***'], status: 'COMPENSATED', totalAmount: '20.00',
      data: { customerId: '***', totalAmount: '20.00', contact: { customerEmail: '***' } },
      events: [{ type: 'MANUAL_ACTION', actor: 'ops', detail: { action: 'abort', reason: '***', customerId: '***' } }],
      auditLog: [{ id: expect.stringMatching(/^anon-[A-Za-z0-9_-]{22}$/), reason: '***', actor: 'ops', outcome: { status: 'SUCCEEDED', detail: '***' } }],
    });
    const again = await graphql({ schema: built, source: QUERY, contextValue: context(['analyst']) });
    expect((again.data!.saga as any).auditLog[0].id).toBe((data!.saga as any).auditLog[0].id);
  });

  it('shows everything to any other role, analyst among them', async () => {
    for (const roles of [['viewer'], ['analyst', 'viewer'], ['admin']] as Role[][]) {
      const { data } = await graphql({ schema: built, source: QUERY, contextValue: context(roles) });
      expect(data!.saga).toMatchObject({ customerId: 'cust-1', failureReason: record.state.failureReason, auditLog: [{ id: 'ticket-4711', reason: 'Jane Roe asked' }] });
      expect((data!.saga as any).events[0].detail.customerId).toBe('cust-1');
    }
  });

  it('refuses analysts a filter by a personal or free-text field', async () => {
    for (const filter of ['customerId: "cust-1"', 'lastErrorText: "Jane"']) {
      const { errors } = await graphql({ schema: built, source: `{ sagas(filter: { ${filter} }) { edges { cursor } } }`, contextValue: context(['analyst']) });
      expect(errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
    const { errors } = await graphql({ schema: built, source: '{ sagas(filter: { paymentMethod: "GIFT_CARD" }) { edges { cursor } } }', contextValue: context(['analyst']) });
    expect(errors).toBeUndefined();
  });

  it('seals audit cursors for analysts: they open only for the service that sealed them', async () => {
    const page = (roles: Role[], after?: string) => graphql({ schema: built, source: 'query($after: String) { auditLog(first: 1, after: $after) { endCursor } }', variableValues: { after }, contextValue: context(roles) });
    const analyst = (await page(['analyst'])).data!.auditLog as { endCursor: string };
    expect(Buffer.from(analyst.endCursor, 'base64url').toString('latin1')).not.toContain('ticket-4711');
    expect((await page(['analyst'], analyst.endCursor)).errors).toBeUndefined();
    const plain = ((await page(['viewer'])).data!.auditLog as { endCursor: string }).endCursor;
    expect((await page(['analyst'], plain)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const other = await schema('another-secret-0123456789');
    const foreign = await graphql({ schema: other, source: 'query($after: String) { auditLog(first: 1, after: $after) { endCursor } }', variableValues: { after: analyst.endCursor }, contextValue: context(['analyst']) });
    expect(foreign.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('masks a field nobody classified for analysts: text as ***, JSON with every string masked', async () => {
    const saved = { total: ANALYST_FIELD_RULES['Saga.totalAmount'], data: ANALYST_FIELD_RULES['Saga.data'] };
    delete ANALYST_FIELD_RULES['Saga.totalAmount'];
    delete ANALYST_FIELD_RULES['Saga.data'];
    try {
      const unlisted = await schema();
      const { data } = await graphql({ schema: unlisted, source: `{ saga(id: "${SAGA_ID}") { totalAmount data } }`, contextValue: context(['analyst']) });
      expect(data!.saga).toEqual({ totalAmount: '***', data: { customerId: '***', totalAmount: '***', contact: { customerEmail: '***' } } });
    } finally {
      ANALYST_FIELD_RULES['Saga.totalAmount'] = saved.total;
      ANALYST_FIELD_RULES['Saga.data'] = saved.data;
    }
  });

  it('masks only callers whose every role is analyst', () => {
    expect(mustMask({ actor: 'a', roles: ['analyst'] })).toBe(true);
    expect(mustMask({ actor: 'a', roles: ['analyst', 'viewer'] })).toBe(false);
    expect(mustMask(null)).toBe(false);
  });

  it('the order definition declares its customer fields personal', () => {
    const policy = personalDataPolicy(orderSagaDefinition({ couponPolicy: 'continue' }).personalFields);
    expect(policy.isPersonalKey('customerId')).toBe(true);
    expect(policy.isPersonalKey('orderId')).toBe(false);
  });
});
