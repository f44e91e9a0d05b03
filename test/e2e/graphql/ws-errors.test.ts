import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { TEST_AUTH_TOKENS, wsAuth } from '../../helpers/auth';
import { OrchestratorProcess } from '../../helpers/orchestrator-process';
import { createTestDatabase, eventually, kafkaBrokers, uniqueName, type TestDatabase } from '../../helpers/services';

const MAX_REQUEST_BYTES = 64 * 1024;

/** A graphql-transport-ws socket past connection_ack, and how it closed. */
async function acknowledgedSocket(url: string) {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  // The server's close after a protocol error may reach the client as an error first; the close code is what counts.
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
  const acked = new Promise<{ type: string }>((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
  socket.send(JSON.stringify({ type: 'connection_init', payload: wsAuth('viewer') }));
  expect(await acked).toEqual({ type: 'connection_ack' });
  return { socket, closed };
}

/**
 * graphql-ws socket errors on the compiled service (issue 10): a client breaking the WebSocket
 * protocol is one structured warn line on the service's log, with the connection it came from,
 * and nothing on stderr (graphql-ws's own adapter console.error's them with a stack).
 */
describe('graphql-ws socket errors go to the service log', () => {
  let db: TestDatabase;
  let service: OrchestratorProcess;

  beforeAll(async () => {
    db = await createTestDatabase();
    service = await OrchestratorProcess.start({
      DATABASE_URL: db.url, KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: `${uniqueName('wserr')}.`,
      KAFKA_GROUP_ID: uniqueName('orchestrator'), AUTH_TOKENS: TEST_AUTH_TOKENS, LOG_FORMAT: 'json',
      GRAPHQL_MAX_REQUEST_BYTES: String(MAX_REQUEST_BYTES),
    });
  });
  afterAll(async () => {
    await service?.stop();
    await db?.drop();
  });

  const logLines = () => service.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
  const wsLines = () => logLines().filter((l) => l.component === 'graphql-ws');

  it('a frame over the size limit closes the socket with 1009 and logs one warn line, nothing on stderr', async () => {
    const { socket, closed } = await acknowledgedSocket(service.url);
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ __typename } #${'x'.repeat(MAX_REQUEST_BYTES)}` } }));
    expect((await closed).code).toBe(1009);

    const [line] = await eventually(() => (wsLines().length > 0 ? wsLines() : undefined), 10000, 'the log line of the oversized frame');
    expect(wsLines()).toHaveLength(1);
    expect(line).toMatchObject({ level: 40, code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', closeCode: 1009, error: 'Max payload size exceeded' });
    expect(line.connection).toMatchObject({ id: expect.any(String), remoteAddress: expect.stringMatching(/127\.0\.0\.1/) });
    expect(JSON.stringify(line)).not.toMatch(/\n\s+at |"stack"/);
    expect(service.stderr).toBe('');
  });

  it('an invalid frame (a reserved opcode) is a warn line with the close code, nothing on stderr, and the service goes on', async () => {
    const { socket, closed } = await acknowledgedSocket(service.url);
    const before = wsLines().length;
    // FIN, opcode 3 (reserved), masked, empty payload: not a frame a WebSocket client may send.
    ((socket as unknown as { _socket: Socket })._socket).write(Buffer.from([0x83, 0x80, 0, 0, 0, 0]));
    expect((await closed).code).toBe(1002);

    const line = await eventually(() => wsLines()[before], 10000, 'the log line of the invalid frame');
    expect(line).toMatchObject({ level: 40, code: 'WS_ERR_INVALID_OPCODE', closeCode: 1002 });
    expect(line.error).toMatch(/invalid opcode 3/);
    expect(wsLines()).toHaveLength(before + 1);
    expect(service.stderr).toBe('');

    // Other sockets are unaffected.
    const next = await acknowledgedSocket(service.url);
    next.socket.close();
    expect(service.running).toBe(true);
  });
});
