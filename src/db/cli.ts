/**
 * `npm run db`: starts the database chain on its own, prints one `MONGODB_URI=...` line on stdout
 * (so mongosh, Compass or a script can connect) and serves until interrupted.
 */
import pino from 'pino';
import { startDatabase } from './chain';

export async function main(): Promise<void> {
  // Logs go to stderr so stdout carries only the MONGODB_URI line.
  const logger = pino({ name: 'db', level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
  const handle = await startDatabase({ logger });
  process.stdout.write(`MONGODB_URI=${handle.uri}\n`);
  const shutdown = () => {
    void handle.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`db: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
