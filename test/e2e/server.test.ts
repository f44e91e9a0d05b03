import { HeartbeatDocument, ServiceInfoDocument } from '../generated/graphql';
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
    expect(await ready.json()).toEqual({ status: 'ready', database: true, broker: true });
  });

  it('answers a GraphQL query over HTTP', async () => {
    const { status, body } = await postGraphQL(service.url, ServiceInfoDocument);
    expect(status).toBe(200);
    expect(body.data?.serviceInfo).toMatchObject({ name: 'saga-control-plane', transport: 'kafka', database: 'external' });
  });

  it('rejects an invalid query with a GraphQL validation error', async () => {
    const { status, body } = await postGraphQL(service.url, '{ serviceInfo { noSuchField } }');
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('keeps CSRF prevention on for simple requests', async () => {
    const response = await fetch(`${service.url}/graphql?query=${encodeURIComponent('{ serviceInfo { name } }')}`);
    expect(response.status).toBe(400);
  });

  it('delivers subscription events over graphql-ws on the same path', async () => {
    const client = wsClient(service.url);
    try {
      const ticks = await takeFromSubscription(client, HeartbeatDocument, 2, { intervalMs: 100 });
      expect(ticks.map((t) => t.heartbeat.sequence)).toEqual([1, 2]);
    } finally {
      await client.dispose();
    }
  });
});
