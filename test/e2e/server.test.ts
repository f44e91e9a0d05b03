import { HeartbeatDocument, MeDocument, ServiceInfoDocument } from '../generated/graphql';
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
    expect(await ready.json()).toEqual({ status: 'ready', database: true, broker: true, listener: true, consumer: { ready: true, failing: [] } });
  });

  it('answers a GraphQL query over HTTP', async () => {
    const { status, body } = await postGraphQL(service.url, ServiceInfoDocument, {}, bearer('viewer'));
    expect(status).toBe(200);
    expect(body.data?.serviceInfo).toMatchObject({ name: 'saga-control-plane', transport: 'kafka', database: 'external' });
  });

  it('tells a caller who it is: the API key\'s actor and roles', async () => {
    const { body } = await postGraphQL(service.url, MeDocument, {}, bearer('support'));
    expect(body.data?.me).toEqual({ actor: 'support-user', roles: ['support'] });
  });

  it('serves the console at / and GraphiQL at /graphql to browsers, both bundled (npm run build)', async () => {
    const page = await fetch(`${service.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const script = /<script type="module"[^>]* src="(\/assets\/[^"]+\.js)"/.exec(html);
    expect(script).not.toBeNull();
    const asset = await fetch(`${service.url}${script![1]}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    // A browser's navigation gets GraphiQL, loaded from this service only (no CDN)...
    const graphiql = await fetch(`${service.url}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(graphiql.status).toBe(200);
    const graphiqlHtml = await graphiql.text();
    expect(graphiqlHtml).toMatch(/GraphiQL/);
    expect(graphiqlHtml).not.toMatch(/https?:\/\//);
    // ...while API clients still get the API: a key first (401 before any parsing), then CSRF
    // prevention refuses a bare GET query.
    const query = `${service.url}/graphql?query=${encodeURIComponent('{ serviceInfo { name } }')}`;
    expect((await fetch(query, { headers: { accept: 'application/json' } })).status).toBe(401);
    expect((await fetch(query, { headers: { accept: 'application/json', ...bearer('admin') } })).status).toBe(400);
    expect((await fetch(`${service.url}/assets/no-such-file.js`)).status).toBe(404);
  });

  it('rejects an invalid query with a GraphQL validation error', async () => {
    const { status, body } = await postGraphQL(service.url, '{ serviceInfo { noSuchField } }', {}, bearer('viewer'));
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('keeps CSRF prevention on for simple requests', async () => {
    // With a valid key (without one, the request is refused 401 before anything else).
    const response = await fetch(`${service.url}/graphql?query=${encodeURIComponent('{ serviceInfo { name } }')}`, { headers: bearer('viewer') });
    expect(response.status).toBe(400);
  });

  it('rejects missing and bad credentials with UNAUTHENTICATED over HTTP', async () => {
    const missing = await postGraphQL(service.url, ServiceInfoDocument);
    expect(missing.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(missing.status).toBe(401);
    expect(missing.body.errors?.[0].extensions?.stacktrace).toBeUndefined();
    // Refused before the document is parsed: a request error, so no `data` at all.
    expect(missing.body.data).toBeUndefined();
    const bad = await postGraphQL(service.url, ServiceInfoDocument, {}, { authorization: 'Bearer not-a-configured-key-at-all' });
    expect(bad.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('closes a graphql-ws connection with missing or bad credentials at connection_init (4403)', async () => {
    for (const params of [undefined, { authorization: 'Bearer not-a-configured-key-at-all' }]) {
      const client = wsClient(service.url, params);
      try {
        await expect(takeFromSubscription(client, HeartbeatDocument, 1, { intervalMs: 100 })).rejects.toThrow('connection closed: 4403 Forbidden');
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
