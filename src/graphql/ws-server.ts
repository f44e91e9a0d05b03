import type { IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { CloseCode, handleProtocols, makeServer, type ConnectionInitMessage, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger';

/** What graphql-ws hands the hooks as `ctx.extra`: the same shape as its own `use/ws` adapter's. */
export interface WsExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

export interface GraphQLWsServer {
  /** Closes every socket (1001) and the WebSocket server. */
  dispose(): Promise<void>;
}

/**
 * graphql-ws's socket-agnostic core (`makeServer`) on a `ws` WebSocketServer. It does what
 * graphql-ws's `use/ws` adapter does (protocol negotiation, keep-alive pings, one closed() per
 * socket), except for errors: those go to the service's logger as one structured line each,
 * with the connection they happened on and without a stack, instead of console.error. A client
 * that breaks the WebSocket protocol (a frame over the size limit, a bad opcode, invalid UTF-8)
 * is a warning, since `ws` has already closed the socket with the matching code (1009, 1002, 1007).
 */
export function serveGraphQLWs<P extends ConnectionInitMessage['payload']>(
  options: ServerOptions<P, WsExtra> & { isProd: boolean },
  wsServer: WebSocketServer,
  logger: Logger,
  keepAliveMs = 12_000,
): GraphQLWsServer {
  const server = makeServer(options);
  const log = logger.child({ component: 'graphql-ws' });
  const internalReason = (error: unknown) => (options.isProd ? 'Internal server error' : closeReason(errorText(error)));
  wsServer.options.handleProtocols = handleProtocols;

  wsServer.on('error', (error) => {
    log.error({ error: errorText(error), code: codeOf(error) }, 'graphql-ws server error; closing every socket');
    for (const client of wsServer.clients) client.close(CloseCode.InternalServerError, internalReason(error));
  });

  wsServer.on('connection', (socket, request) => {
    const connection = { id: randomBytes(6).toString('hex'), remoteAddress: request.socket.remoteAddress, remotePort: request.socket.remotePort };
    const socketLog = log.child({ connection });
    socket.on('error', (error) => logSocketError(socketLog, error));

    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval = keepAliveMs > 0 && Number.isFinite(keepAliveMs)
      ? setInterval(() => {
        if (socket.readyState !== socket.OPEN) return;
        // A client that does not answer a ping within the keep-alive is gone.
        pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
        socket.once('pong', () => {
          if (pongWait) clearTimeout(pongWait);
          pongWait = null;
        });
        socket.ping();
      }, keepAliveMs)
      : null;

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => new Promise<void>((resolve, reject) => {
          if (socket.readyState !== socket.OPEN) return resolve();
          socket.send(data, (error) => (error ? reject(error) : resolve()));
        }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) => socket.on('message', async (data) => {
          try {
            await handle(String(data));
          } catch (error) {
            socketLog.error({ error: errorText(error), code: codeOf(error) }, 'graphql-ws message handling failed; closing the connection');
            socket.close(CloseCode.InternalServerError, internalReason(error));
          }
        }),
      },
      { socket, request },
    );

    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      if (pingInterval) clearInterval(pingInterval);
      closed(code, String(reason)).catch((error: unknown) => {
        socketLog.error({ error: errorText(error), code: codeOf(error) }, 'graphql-ws connection cleanup failed');
      });
    });
  });

  return {
    async dispose() {
      for (const client of wsServer.clients) client.close(1001, 'Going away');
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) => wsServer.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Network errors of a peer that went away: nothing the service can or should do about them. */
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

function logSocketError(log: Logger, error: unknown): void {
  const code = codeOf(error);
  const fields = { error: errorText(error), code, closeCode: wsCloseCodeOf(error) };
  if (code?.startsWith('WS_ERR_')) log.warn(fields, 'graphql-ws client broke the WebSocket protocol; connection closed');
  else if (code && PEER_GONE.has(code)) log.warn(fields, 'graphql-ws connection lost');
  else log.error(fields, 'graphql-ws socket error');
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The close code `ws` closed the socket with for a protocol error (it keeps it under a private symbol). */
function wsCloseCodeOf(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const key = Object.getOwnPropertySymbols(error).find((s) => s.description === 'status-code');
  const value = key ? (error as Record<symbol, unknown>)[key] : undefined;
  return typeof value === 'number' ? value : undefined;
}

/** A close reason must fit in 123 bytes. */
function closeReason(text: string): string {
  return Buffer.byteLength(text) > 123 ? 'Internal server error' : text;
}
