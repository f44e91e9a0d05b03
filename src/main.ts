import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { startService } from './app';

/** Entry point: validate configuration, start, and stop cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`saga-control-plane: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.log.level, config.log.format);
  if (config.seed.read.length > 0) logger.info({ keys: config.seed.read }, "read the seed's configuration keys");
  if (config.seed.ignored.length > 0) logger.warn({ keys: config.seed.ignored }, "ignored the seed's configuration keys this service does not use");
  const service = await startService(config, logger);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    service.stop().then(
      () => { logger.info('stopped'); process.exit(0); },
      (error) => { logger.error({ err: error }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Only now say so: whoever waits for this line may signal at once, and a signal that comes
  // before its handler is installed kills the process instead of stopping it.
  logger.info({ url: `${service.url}/graphql` }, 'saga-control-plane listening');
  process.stdout.write(`saga-control-plane listening on ${service.url}/graphql (console: ${service.url}/)\n`);
}

main().catch((error) => {
  process.stderr.write(`saga-control-plane: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
