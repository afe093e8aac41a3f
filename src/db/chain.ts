/**
 * The database chain every entry point uses: MONGODB_URI, else mongodb-memory-server when a
 * mongod binary can be had, else the embedded MongoDB-compatible server. DB_MODE forces a tier.
 */
import { z } from 'zod';
import { AppError } from '../shared/errors';
import { logger as defaultLogger, type Logger } from '../shared/logger';
import { startEmbeddedServer } from './embedded/server';
import { startEmbeddedServerThread } from './embedded/thread';
import { probeMongodBinary, startMemoryServer } from './memory-server';
import { databaseFromUri, isMongoUri, redactUri, withDatabase } from './uri';

export type DbTier = 'uri' | 'memory-server' | 'embedded';

export interface DatabaseHandle {
  tier: DbTier;
  /** Full connection string, including the database name. */
  uri: string;
  dbName: string;
  /** Stops what the chain started (nothing for 'uri'). */
  stop(): Promise<void>;
}

export interface StartDatabaseOptions {
  mode?: DbTier;
  dbName?: string;
  logger?: Logger;
  /** Environment to read MONGODB_URI / DB_MODE from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** How long the memory-server download probe may take. */
  probeTimeoutMs?: number;
  /**
   * Run the embedded server on a worker thread (its own core) rather than on this process's event
   * loop. Falls back to in-process if the thread cannot start.
   */
  embeddedThread?: boolean;
}

export const DEFAULT_DB_NAME = 'ai-platform';

const envSchema = z.object({
  MONGODB_URI: z
    .string()
    .trim()
    .min(1)
    .refine(isMongoUri, 'must be a mongodb:// or mongodb+srv:// connection string')
    .optional(),
  DB_MODE: z.enum(['uri', 'memory-server', 'embedded']).optional(),
});

function readEnv(env: NodeJS.ProcessEnv) {
  const parsed = envSchema.safeParse({
    MONGODB_URI: env.MONGODB_URI || undefined,
    DB_MODE: env.DB_MODE || undefined,
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError('CONFIG_INVALID', `Invalid database configuration: ${issues}`);
  }
  return parsed.data;
}

export async function startDatabase(options: StartDatabaseOptions = {}): Promise<DatabaseHandle> {
  const log = options.logger ?? defaultLogger;
  const env = readEnv(options.env ?? process.env);
  const mode = options.mode ?? env.DB_MODE;

  if (mode === 'uri' || (mode === undefined && env.MONGODB_URI)) {
    if (!env.MONGODB_URI)
      throw new AppError(
        'CONFIG_INVALID',
        'DB_MODE=uri needs MONGODB_URI, e.g. mongodb://localhost:27017/ai-platform',
      );
    const dbName = options.dbName ?? databaseFromUri(env.MONGODB_URI) ?? DEFAULT_DB_NAME;
    const uri = withDatabase(env.MONGODB_URI, dbName);
    log.info({ tier: 'uri', uri: redactUri(uri) }, 'database: using MONGODB_URI');
    return { tier: 'uri', uri, dbName, stop: async () => {} };
  }

  const dbName = options.dbName ?? DEFAULT_DB_NAME;
  if (mode === 'memory-server' || mode === undefined) {
    const probe = await probeMongodBinary(options.probeTimeoutMs ?? 3000, options.env ?? process.env);
    if (probe.available) {
      try {
        const server = await startMemoryServer(dbName);
        log.info(
          { tier: 'memory-server', uri: server.uri, reason: probe.reason },
          'database: started mongodb-memory-server',
        );
        return { tier: 'memory-server', uri: server.uri, dbName, stop: server.stop };
      } catch (err) {
        if (mode === 'memory-server')
          throw new AppError(
            'SERVICE_UNAVAILABLE',
            `mongodb-memory-server failed to start: ${(err as Error).message}`,
            { cause: err },
          );
        log.warn(
          { err },
          'database: mongodb-memory-server failed to start; falling back to the embedded server',
        );
      }
    } else if (mode === 'memory-server') {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `DB_MODE=memory-server but ${probe.reason}. Set MONGOMS_SYSTEM_BINARY or MONGODB_URI, or use DB_MODE=embedded.`,
      );
    } else {
      log.info({ reason: probe.reason }, 'database: mongodb-memory-server unavailable');
    }
  }

  const server = await startEmbedded(options.embeddedThread ?? false, log);
  const uri = `mongodb://127.0.0.1:${server.port}/${encodeURIComponent(dbName)}`;
  log.info(
    { tier: 'embedded', uri, thread: server.thread },
    'database: started the embedded MongoDB-compatible server (in-memory, data is lost on exit)',
  );
  return { tier: 'embedded', uri, dbName, stop: server.stop };
}

async function startEmbedded(
  onThread: boolean,
  log: Logger,
): Promise<{ port: number; thread: boolean; stop(): Promise<void> }> {
  if (onThread) {
    try {
      const server = await startEmbeddedServerThread({
        onCrash: (err) =>
          log.error({ err }, 'database: the embedded server thread died; restart the process'),
      });
      return { ...server, thread: true, stop: () => server.stop() };
    } catch (err) {
      log.warn({ err }, 'database: the embedded server thread did not start; running it in this process');
    }
  }
  const server = await startEmbeddedServer();
  return { port: server.port, thread: false, stop: () => server.stop() };
}
