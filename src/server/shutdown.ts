/**
 * SIGTERM / SIGINT handling: the first signal starts a graceful stop and exits 0
 * when it is done (1 if it failed); a second signal exits at once. A repeat within
 * a second is ignored: under `npm start` a Ctrl-C reaches this process both from
 * the terminal and relayed by npm/tsx, and that must not skip the graceful stop.
 */
import type { Logger } from '../shared/logger';

export function onShutdownSignals(
  stop: () => Promise<void>,
  logger: Logger,
  exit: (code: number) => void = process.exit,
): () => void {
  let stopping = false;
  let firstAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping && Date.now() - firstAt < 1000) return;
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    firstAt = Date.now();
    logger.info({ signal }, 'shutting down gracefully');
    stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'graceful shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
