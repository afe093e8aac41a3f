/**
 * `npm run worker`: a job worker only (agenda: queued event listeners, the outbox
 * drain, scheduled jobs). Run any number of these beside API_ONLY=true servers.
 */
import { configOrExit, exitOnStartFailure, startProcessRuntime } from './app/start';
import { onShutdownSignals } from './server/shutdown';

async function main(): Promise<void> {
  const config = configOrExit();
  const { runtime, logger } = await startProcessRuntime(config, true);
  onShutdownSignals(() => runtime.stop(), logger);
  process.stdout.write(
    `Worker started (polling every ${config.JOB_POLL_INTERVAL_MS} ms for jobs queued by other processes)\n`,
  );
  logger.info('worker started');
}

main().catch(exitOnStartFailure);
