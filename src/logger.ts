import pino from 'pino';

export type Logger = pino.Logger;
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Structured logs on stdout; child loggers carry sagaId/orderId where they apply. JSON lines for
 * machines; on a terminal (or asked for), readable lines through pino-pretty, when it is installed
 * (a dev dependency: the production image has none and keeps JSON).
 */
export function createLogger(level: string, format: LogFormat = 'json'): Logger {
  const base = { service: 'saga-control-plane' };
  if (!prettyWanted(format, !!process.stdout.isTTY, prettyInstalled())) return pino({ level, base });
  return pino({
    level, base,
    transport: { target: 'pino-pretty', options: { colorize: format === 'auto', translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } },
  });
}

export function prettyWanted(format: LogFormat, terminal: boolean, installed: boolean): boolean {
  return installed && (format === 'pretty' || (format === 'auto' && terminal));
}

function prettyInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}
