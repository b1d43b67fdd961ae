import type { Logger } from './logger';
import { ConfigError } from './config';
import { createLogger } from './logger';

/**
 * The one way a process starts and stops: a config error is a clear message and exit 1, SIGTERM /
 * SIGINT run `stop` once (stop accepting, drain, disconnect Kafka, close the pool) and exit 0, and
 * an uncaught error is logged and ends the process through the same path.
 */
export async function runProcess(
  start: () => Promise<{ stop(): Promise<void>; logger: Logger }>,
  forceExitAfterMs = 30_000,
): Promise<void> {
  let running: { stop(): Promise<void>; logger: Logger } | undefined;
  const fallback = createLogger('process', 'info');
  const log = (): Logger => running?.logger ?? fallback;
  let stopping = false;
  const shutdown = async (reason: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const logger = log();
    logger.info({ reason }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, forceExitAfterMs);
    timer.unref();
    try {
      await running?.stop();
      logger.info('stopped');
      logger.flush();
      process.exit(code);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    log().fatal({ err }, 'uncaught exception');
    void shutdown('uncaughtException', 1);
  });
  process.on('unhandledRejection', (err) => {
    log().fatal({ err }, 'unhandled rejection');
    void shutdown('unhandledRejection', 1);
  });
  try {
    running = await start();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      log().fatal({ err }, 'failed to start');
    }
    process.exit(1);
  }
}
