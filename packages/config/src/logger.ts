import pino, { type Logger } from 'pino';

export type { Logger };

/** JSON logs on stdout, one line per event, with the service name on every line. */
export const createLogger = (service: string, level: string): Logger =>
  pino({ name: service, level, base: { service, pid: process.pid } });
