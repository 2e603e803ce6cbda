import type { Logger } from 'pino';

export interface Service {
  start(): Promise<unknown>;
  /** Ordered drain: stop taking work, finish in-flight work, close connections. */
  stop(): Promise<void>;
  logger: Logger;
}

/**
 * Starts a service and stops it gracefully on SIGTERM/SIGINT; a second signal
 * forces exit. A failure to build or start exits non-zero with the reason.
 */
export function runUntilSignalled(name: string, build: () => Service): void {
  let service: Service;
  try {
    service = build();
  } catch (e) {
    process.stderr.write(`${name}: ${(e as Error).message}\n`);
    process.exit(78); // EX_CONFIG
  }
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      service.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    service.logger.info({ signal }, 'draining');
    service.stop().then(
      () => {
        service.logger.info('stopped');
        process.exit(0);
      },
      (e: unknown) => {
        service.logger.error({ err: e }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  service.start().catch((e: unknown) => {
    service.logger.fatal({ err: e }, 'failed to start');
    process.exit(1);
  });
}
