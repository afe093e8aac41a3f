/**
 * Process start-up shared by `npm start` (main.ts) and `npm run worker`
 * (worker.ts): read .env, validate the configuration (a bad value prints which
 * variable and exits 1), pick the database through the chain, start the runtime.
 */
import { config as loadDotenv } from 'dotenv';
import { loadConfig, type Config } from '../config/env';
import { startDatabase } from '../db/chain';
import { isAppError } from '../shared/errors';
import { createLogger, type Logger } from '../shared/logger';
import { startRuntime, type Runtime } from './runtime';

export function configOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  loadDotenv({ quiet: true });
  try {
    return loadConfig(env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

export async function startProcessRuntime(
  config: Config,
  worker: boolean,
): Promise<{ runtime: Runtime; logger: Logger }> {
  const logger = createLogger({ level: config.LOG_LEVEL });
  const database = await startDatabase({ logger, embeddedThread: config.EMBEDDED_DB_THREAD });
  const runtime = await startRuntime({ config, logger, database, worker, ownsDatabase: true });
  return { runtime, logger };
}

/** Last-resort handler for a failed start: say what went wrong, exit non-zero. */
export function exitOnStartFailure(error: unknown): never {
  const message = isAppError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? (error.stack ?? error.message)
      : String(error);
  process.stderr.write(`Start-up failed: ${message}\n`);
  process.exit(1);
}
