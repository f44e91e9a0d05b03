import { HeartbeatDocument, ServiceInfoDocument } from '../generated/graphql';
import { bearer, wsAuth } from '../helpers/auth';
import { postGraphQL, takeFromSubscription, wsClient } from '../helpers/graphql';
import { startTestService, type TestService } from '../helpers/service';

describe('the service over HTTP and graphql-ws', () => {
  let service: TestService;
  beforeAll(async () => { service = await startTestService(); });
  afterAll(async () => {
    await service.stop();
    await service.database.drop();
  });

  it('answers liveness and readiness with the database and broker reachable', async () => {
    const health = await fetch(`${service.url}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${service.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: true, broker: true, listener: true });
  });

  it('answers a GraphQL query over HTTP', async () => {
    const { status, body } = await postGraphQL(service.url, ServiceInfoDocument, {}, bearer('viewer'));
    expect(status).toBe(200);
    expect(body.data?.serviceInfo).toMatchObject({ name: 'saga-control-plane', transport: 'kafka', database: 'external' });
  });

  it('rejects an invalid query with a GraphQL validation error', async () => {
    const { status, body } = await postGraphQL(service.url, '{ serviceInfo { noSuchField } }', {}, bearer('viewer'));
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('keeps CSRF prevention on for simple requests', async () => {
    const response = await fetch(`${service.url}/graphql?query=${encodeURIComponent('{ serviceInfo { name } }')}`);
    expect(response.status).toBe(400);
  });

  it('rejects missing and bad credentials with UNAUTHENTICATED over HTTP', async () => {
    const missing = await postGraphQL(service.url, ServiceInfoDocument);
    expect(missing.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(missing.body.errors?.[0].extensions?.stacktrace).toBeUndefined();
    expect(missing.body.data).toBeNull();
    const bad = await postGraphQL(service.url, ServiceInfoDocument, {}, { authorization: 'Bearer not-a-configured-key-at-all' });
    expect(bad.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rejects missing and bad credentials with UNAUTHENTICATED over graphql-ws', async () => {
    for (const params of [undefined, { authorization: 'Bearer not-a-configured-key-at-all' }]) {
      const client = wsClient(service.url, params);
      try {
        await expect(takeFromSubscription(client, HeartbeatDocument, 1, { intervalMs: 100 })).rejects.toThrow(/UNAUTHENTICATED/);
      } finally {
        await client.dispose();
      }
    }
  });

  it('rejects queries nested deeper than the limit', async () => {
    const shallow = '{ saga(id: "00000000-0000-0000-0000-000000000000") { id steps { name } } }';
    const { body } = await postGraphQL(service.url, shallow, {}, bearer('viewer'));
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ saga: null });
    const tooDeep = '{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } } } }';
    const rejected = await postGraphQL(service.url, tooDeep, {}, bearer('viewer'));
    expect(rejected.status).toBe(400);
    expect(rejected.body.errors?.[0].message).toMatch(/depth/i);
  });

  it('answers introspection unless it is switched off', async () => {
    const query = '{ __schema { queryType { name } } }';
    const on = await postGraphQL(service.url, query, {}, bearer('viewer'));
    expect(on.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const closed = await startTestService({ GRAPHQL_INTROSPECTION: 'false' }, service.database);
    try {
      const off = await postGraphQL(closed.url, query, {}, bearer('viewer'));
      expect(off.body.errors?.[0].message).toMatch(/introspection/i);
    } finally {
      await closed.stop();
    }
  });

  it('delivers subscription events over graphql-ws on the same path', async () => {
    const client = wsClient(service.url, wsAuth('viewer'));
    try {
      const ticks = await takeFromSubscription(client, HeartbeatDocument, 2, { intervalMs: 100 });
      expect(ticks.map((t) => t.heartbeat.sequence)).toEqual([1, 2]);
    } finally {
      await client.dispose();
    }
  });
});
