import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs on stdout; child loggers carry sagaId/orderId where they apply. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'saga-control-plane' } });
}
