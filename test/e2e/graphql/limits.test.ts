import type { Client as WsClient } from 'graphql-ws';
import { getIntrospectionQuery, print } from 'graphql';
import WebSocket from 'ws';
import { HeartbeatDocument, SagaEventFeedDocument } from '../../generated/graphql';
import { bearer, wsAuth } from '../../helpers/auth';
import { postGraphQL, wsClient, type GraphQLErrorBody } from '../../helpers/graphql';
import { SagaStack } from '../../helpers/saga-stack';
import { startTestService, type TestService } from '../../helpers/service';
import { eventually, uniqueName } from '../../helpers/services';

/** Internal text that must never reach a client: SQL, PostgreSQL errors, stacks, file paths. */
const LEAK = /select |from |where |xid8|bigint|timestamp|invalid input syntax|invalid byte|0x00|\/work\/|node_modules|\bat \S+ \(|\.ts:\d+/i;

/** The errors an operation over graphql-ws ends with: in a `next` result or an `error` message. */
function wsErrors(client: WsClient, query: string, variables?: Record<string, unknown>): Promise<GraphQLErrorBody[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { unsubscribe(); reject(new Error(`no error within 10 s for ${query.slice(0, 80)}`)); }, 10_000);
    const settle = (fn: () => void) => { clearTimeout(timer); fn(); };
    const unsubscribe = client.subscribe({ query, variables }, {
      next: (value) => { if (value.errors) settle(() => { unsubscribe(); resolve(value.errors as unknown as GraphQLErrorBody[]); }); },
      error: (error) => settle(() => (Array.isArray(error) ? resolve(error as GraphQLErrorBody[]) : reject(error instanceof Error ? error : new Error(`closed: ${(error as { code?: number }).code} ${(error as { reason?: string }).reason}`)))),
      complete: () => settle(() => reject(new Error('completed without an error'))),
    });
  });
}

/** A bare graphql-transport-ws socket, to see exactly what the server answers to connection_init. */
function rawSocket(url: string) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const opened = new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const firstMessage = new Promise<{ type: string }>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
  /** What happens after connection_init: an ack, or the close code. */
  const init = async (payload?: unknown): Promise<{ acked: boolean; code?: number; reason?: string }> => {
    await opened;
    socket.send(JSON.stringify(payload === undefined ? { type: 'connection_init' } : { type: 'connection_init', payload }));
    const first = await Promise.race([firstMessage.then((m) => ({ message: m })), closed.then((c) => ({ close: c }))]);
    if ('message' in first) return { acked: first.message.type === 'connection_ack' };
    return { acked: false, code: first.close.code, reason: first.close.reason };
  };
  return { socket, init, closed, close: () => socket.close() };
}

const aliases = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
const nestedOfType = (depth: number) => `{ __schema { types { ${'ofType { '.repeat(depth)}name${' }'.repeat(depth)} } } }`;
const feedCursor = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

async function postRaw(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

describe('the GraphQL edge: the same rules on HTTP and graphql-ws, costs that match real cost', () => {
  let stack: SagaStack;
  const url = () => stack.service.url;

  beforeAll(async () => {
    stack = await SagaStack.start({
      GRAPHQL_WS_MAX_SUBSCRIPTIONS: '2',
      GRAPHQL_WS_MAX_CONNECTIONS_PER_KEY: '2',
      DATABASE_POOL_SIZE: '4',
      DATABASE_READ_POOL_SIZE: '2',
      DATABASE_READ_STATEMENT_TIMEOUT_MS: '3000',
    });
  });
  afterAll(async () => { await stack?.stop(); });

  describe('graphql-ws', () => {
    it('masks internal errors like HTTP: bad cursors and NUL are BAD_USER_INPUT with no SQL text', async () => {
      const client = wsClient(url(), wsAuth('viewer'));
      try {
        const feed = print(SagaEventFeedDocument);
        const cases: [string, Record<string, unknown>][] = [
          [feed, { after: feedCursor('99999999999999999999999:1') }],
          [feed, { after: feedCursor('1:99999999999999999999') }],
          [feed, { after: feedCursor('c:9223372036854775808:1') }],
          [feed, { after: feedCursor('c:1:') }],
          [feed, { filter: { sagaType: 'order\u0000' } }],
          ['subscription { sagaEventFeed(filter: { step: "x\\u0000y" }) { cursor } }', {}],
          ['query($after: String) { auditLog(after: $after) { hasNextPage } }', { after: feedCursor('1|x') }],
          ['query($after: String) { auditLog(after: $after) { hasNextPage } }', { after: feedCursor('2026-01-01T00:00:00Z|a\u0000') }],
          ['query($actor: String) { auditLog(filter: { actor: $actor }) { hasNextPage } }', { actor: 'a\u0000' }],
        ];
        for (const [query, variables] of cases) {
          const errors = await wsErrors(client, query, variables);
          expect({ variables, code: errors[0].extensions?.code }).toEqual({ variables, code: 'BAD_USER_INPUT' });
          expect(JSON.stringify(errors)).not.toMatch(LEAK);
        }
      } finally {
        await client.dispose();
      }
    });

    it('answers the same inputs over HTTP with BAD_USER_INPUT and no SQL text', async () => {
      // A bad argument is a field error (200, like every resolver's); NUL refuses the request before it runs (400).
      const cases: [string, Record<string, unknown>, number][] = [
        ['query($after: String) { auditLog(after: $after) { hasNextPage } }', { after: feedCursor('1|x') }, 200],
        // Instants JavaScript's Date.parse accepts and PostgreSQL refuses.
        ['query($after: String) { auditLog(after: $after) { hasNextPage } }', { after: feedCursor('0000-01-01T00:00:00.000Z|x') }, 200],
        ['query($after: String) { sagas(after: $after) { edges { cursor } } }', { after: feedCursor('2026-02-31T00:00:00.000000Z|00000000-0000-0000-0000-000000000000') }, 200],
        ['query($after: String) { sagas(after: $after) { edges { cursor } } }', { after: feedCursor('0000-01-01T00:00:00.000000Z|00000000-0000-0000-0000-000000000000') }, 200],
        ['query($id: String) { sagas(filter: { customerId: $id }) { edges { cursor } } }', { id: 'c\u0000' }, 400],
        ['{ sagas(filter: { customerId: "c\\u0000" }) { edges { cursor } } }', {}, 400],
      ];
      for (const [query, variables, expected] of cases) {
        const { status, body } = await postGraphQL(url(), query, variables, bearer('viewer'));
        expect({ variables, status, code: body.errors?.[0].extensions?.code }).toEqual({ variables, status: expected, code: 'BAD_USER_INPUT' });
        expect(JSON.stringify(body)).not.toMatch(LEAK);
      }
      // Year 0 is a valid DateTimeISO; PostgreSQL has no year 0 in ISO text, but takes the instant as a Date (1 BC).
      const early = await postGraphQL(url(), 'query($d: DateTimeISO) { auditLog(filter: { since: $d }) { hasNextPage } }', { d: '0000-01-01T00:00:00Z' }, bearer('viewer'));
      expect(early.body).toEqual({ data: { auditLog: { hasNextPage: false } } });
    });

    it('closes a connection without a valid key at connection_init (4403)', async () => {
      for (const payload of [undefined, {}, { authorization: 'Bearer not-a-configured-key-at-all' }, { authorization: 42 }]) {
        const socket = rawSocket(url());
        try {
          expect(await socket.init(payload)).toEqual({ acked: false, code: 4403, reason: 'Forbidden' });
        } finally {
          socket.close();
        }
      }
      const good = rawSocket(url());
      try {
        expect(await good.init(wsAuth('viewer'))).toEqual({ acked: true });
      } finally {
        good.close();
      }
    });

    it('refuses a message larger than the limit (a 2 MB connection_init)', async () => {
      const socket = rawSocket(url());
      try {
        const result = await socket.init({ ...wsAuth('viewer'), padding: 'x'.repeat(2 * 1024 * 1024) });
        expect(result).toMatchObject({ acked: false, code: 1009 });
      } finally {
        socket.close();
      }
    });

    it('applies the depth limit to introspection queries too, on both transports', async () => {
      // The standard introspection query (what GraphiQL sends) stays within the default limit.
      const standard = await postGraphQL(url(), getIntrospectionQuery(), {}, bearer('viewer'));
      expect(standard.body.errors).toBeUndefined();
      const introspection = nestedOfType(20);
      const http = await postGraphQL(url(), introspection, {}, bearer('viewer'));
      expect(http.status).toBe(400);
      expect(http.body.errors?.[0].message).toMatch(/depth/i);
      const client = wsClient(url(), wsAuth('viewer'));
      try {
        const viaWs = await wsErrors(client, introspection);
        expect(viaWs[0].message).toMatch(/depth/i);
        const fragmentDeep = `query { ...F } fragment F on Query { sagas { edges { node { steps { name } } } } __schema { types { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } } }`;
        expect((await wsErrors(client, fragmentDeep))[0].message).toMatch(/depth/i);
      } finally {
        await client.dispose();
      }
    });

    it('caps the subscriptions of one connection with a clear error, the others go on', async () => {
      const client = wsClient(url(), wsAuth('viewer'));
      const ticks = [0, 0];
      const stops: (() => void)[] = [];
      try {
        for (const i of [0, 1]) {
          stops.push(client.subscribe({ query: print(HeartbeatDocument), variables: { intervalMs: 100 } }, {
            next: () => { ticks[i] += 1; }, error: () => undefined, complete: () => undefined,
          }));
        }
        await eventually(() => (ticks[0] > 0 && ticks[1] > 0 ? true : undefined), 10000, 'two heartbeats running');
        const refused = await wsErrors(client, print(HeartbeatDocument), { intervalMs: 100 });
        expect(refused[0].extensions?.code).toBe('TOO_MANY_SUBSCRIPTIONS');
        expect(refused[0].message).toMatch(/2 subscriptions/);
        const before = [...ticks];
        await eventually(() => (ticks[0] > before[0] && ticks[1] > before[1] ? true : undefined), 10000, 'both heartbeats still running');
      } finally {
        for (const stop of stops) stop();
        await client.dispose();
      }
    });

    it('caps the connections of one API key (1008, with the reason); a closed one frees its place', async () => {
      const sockets = [rawSocket(url()), rawSocket(url())];
      const extra: ReturnType<typeof rawSocket>[] = [];
      try {
        for (const socket of sockets) expect(await socket.init(wsAuth('support'))).toEqual({ acked: true });
        const third = rawSocket(url());
        extra.push(third);
        const refused = await third.init(wsAuth('support'));
        expect(refused).toMatchObject({ acked: false, code: 1008 });
        expect(refused.reason).toMatch(/too many connections for this API key \(limit 2\)/);
        // Another key is not affected.
        const other = rawSocket(url());
        extra.push(other);
        expect(await other.init(wsAuth('finance'))).toEqual({ acked: true });
        sockets[0].close();
        await sockets[0].closed;
        await eventually(async () => {
          const again = rawSocket(url());
          extra.push(again);
          return (await again.init(wsAuth('support'))).acked ? true : undefined;
        }, 10000, 'a place freed by the closed connection');
      } finally {
        for (const socket of [...sockets, ...extra]) socket.close();
      }
    });
  });

  describe('introspection switched off', () => {
    let closed: TestService;
    beforeAll(async () => {
      closed = await startTestService({ GRAPHQL_INTROSPECTION: 'false', KAFKA_TOPIC_PREFIX: `${uniqueName('i')}.`, KAFKA_GROUP_ID: uniqueName('orchestrator') });
    });
    afterAll(async () => {
      await closed?.stop();
      await closed?.database.drop();
    });

    it('refuses introspection over graphql-ws as over HTTP', async () => {
      const query = '{ __schema { queryType { name } } }';
      const http = await postGraphQL(closed.url, query, {}, bearer('viewer'));
      expect(http.body.errors?.[0].message).toMatch(/introspection/i);
      const client = wsClient(closed.url, wsAuth('viewer'));
      try {
        expect((await wsErrors(client, query))[0].message).toMatch(/introspection/i);
        expect((await wsErrors(client, '{ __type(name: "Query") { name } }'))[0].message).toMatch(/introspection/i);
      } finally {
        await client.dispose();
      }
    });
  });

  describe('cost limits', () => {
    it('refuses 2,400 aliases of sagas(first: 1) { totalCount } with QUERY_TOO_COMPLEX and 400', async () => {
      const { status, body } = await postGraphQL(url(), aliases(2400, 'sagas(first: 1) { totalCount }'), {}, bearer('viewer'));
      expect(status).toBe(400);
      expect(body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
      expect(body.data).toBeUndefined();
    });

    it('costs a count and an event log by the rows they read, not as one field', async () => {
      const cheap = await postGraphQL(url(), aliases(30, 'sagas(first: 1) { pageInfo { hasNextPage } }'), {}, bearer('viewer'));
      expect(cheap.body.errors).toBeUndefined();
      const counts = await postGraphQL(url(), aliases(30, 'sagas(first: 1) { totalCount }'), {}, bearer('viewer'));
      expect(counts.status).toBe(400);
      expect(counts.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
      const few = await postGraphQL(url(), '{ sagas(first: 50) { edges { node { events { sequence } } } } }', {}, bearer('viewer'));
      expect(few.body.errors).toBeUndefined();
      const logs = await postGraphQL(url(), '{ sagas(first: 200) { edges { node { events { sequence } } } } }', {}, bearer('viewer'));
      expect(logs.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
    });

    it('applies the complexity limit to operations over graphql-ws too', async () => {
      const client = wsClient(url(), wsAuth('viewer'));
      try {
        expect((await wsErrors(client, aliases(30, 'sagas(first: 1) { totalCount }')))[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
      } finally {
        await client.dispose();
      }
    });

    it('refuses an unauthenticated request before parsing its document (401)', async () => {
      const huge = aliases(40_000, '__typename');
      for (const headers of [{}, { authorization: 'Bearer not-a-configured-key-at-all' }] as Record<string, string>[]) {
        const response = await postRaw(url(), JSON.stringify({ query: huge }), headers);
        expect(response.status).toBe(401);
        expect(response.type).toMatch(/application\/json/);
        expect(JSON.parse(response.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      }
    });

    it('keeps the saga engine working while GraphQL reads are stuck (a pool of their own, with a statement timeout)', async () => {
      const locker = await stack.db.connect();
      let released = false;
      try {
        await locker.query('begin');
        await locker.query('lock table manual_action in access exclusive mode');
        // More stuck reads than the engine's pool has connections.
        const reads = Array.from({ length: 8 }, () => postGraphQL(url(), '{ auditLog(first: 5) { hasNextPage } }', {}, bearer('viewer')));
        // The same over graphql-ws: the shared formatter turns PostgreSQL's cancel into QUERY_TIMEOUT there too.
        const ws = wsClient(url(), wsAuth('viewer'));
        const wsRead = wsErrors(ws, '{ auditLog(first: 5) { hasNextPage } }').finally(() => ws.dispose());
        const order = await stack.participants.createOrder();
        await stack.waitForStatus(order.orderId, 'COMPLETED', 30000);
        const info = await postGraphQL(url(), '{ serviceInfo { name } }', {}, bearer('viewer'));
        expect(info.body.data).toEqual({ serviceInfo: { name: 'saga-control-plane' } });
        // The statement timeout ends the stuck reads with a clear error while the lock is still held.
        const answers = await Promise.all(reads);
        for (const answer of answers) {
          expect(answer.body.errors?.[0].extensions?.code).toBe('QUERY_TIMEOUT');
          expect(JSON.stringify(answer.body)).not.toMatch(LEAK);
        }
        const overWs = await wsRead;
        expect(overWs[0].extensions?.code).toBe('QUERY_TIMEOUT');
        expect(JSON.stringify(overWs)).not.toMatch(LEAK);
        await locker.query('rollback');
        released = true;
        const after = await postGraphQL(url(), '{ auditLog(first: 5) { hasNextPage } }', {}, bearer('viewer'));
        expect(after.body.errors).toBeUndefined();
      } finally {
        if (!released) await locker.query('rollback').catch(() => undefined);
        locker.release();
      }
    });
  });

  describe('HTTP status codes and bodies', () => {
    it('answers a fragment cycle, a variable of the wrong type and 40,000 aliases with 400 and a JSON GraphQL error', async () => {
      const cycle = await postGraphQL(url(), 'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }', {}, bearer('viewer'));
      expect(cycle.status).toBe(400);
      expect(cycle.body.errors?.[0].message).toMatch(/cannot spread fragment/i);
      const wrongType = await postGraphQL(url(), 'query($first: Int) { sagas(first: $first) { pageInfo { hasNextPage } } }', { first: 'many' }, bearer('viewer'));
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(wrongType.body.errors?.[0].message).toMatch(/\$first/);
      const many = await postGraphQL(url(), aliases(40_000, '__typename'), {}, bearer('viewer'));
      expect(many.status).toBe(400);
      expect(many.body.errors?.[0].message).toBeDefined();
      const tooComplex = await postGraphQL(url(), '{ sagas(first: 200) { edges { node { events { sequence type step actor at detail } } } } }', {}, bearer('viewer'));
      expect(tooComplex.status).toBe(400);
      expect(tooComplex.body.errors?.[0].extensions?.code).toBe('QUERY_TOO_COMPLEX');
      for (const answer of [cycle, wrongType, many, tooComplex]) expect(JSON.stringify(answer.body)).not.toMatch(LEAK);
    });

    it('answers malformed JSON and a body over the limit with JSON, no stack and no file path', async () => {
      const malformed = await postRaw(url(), '{"query": "{ serviceInfo { name } }"', bearer('viewer'));
      expect(malformed.status).toBe(400);
      expect(malformed.type).toMatch(/application\/json/);
      expect(JSON.parse(malformed.text).errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(malformed.text).not.toMatch(LEAK);
      const large = await postRaw(url(), JSON.stringify({ query: `{ serviceInfo { name } } # ${'x'.repeat(2 * 1024 * 1024)}` }), bearer('viewer'));
      expect(large.status).toBe(413);
      expect(large.type).toMatch(/application\/json/);
      expect(JSON.parse(large.text).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
      expect(large.text).not.toMatch(LEAK);
    });
  });
});
