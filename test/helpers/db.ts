/**
 * Integration-test database: every test file gets its own fresh database. The embedded server
 * starts in-process (milliseconds); with MONGODB_URI set, a uniquely named database on that
 * server is used instead and dropped on stop.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { type DatabaseHandle, startDatabase } from '../../src/db/chain';

export async function startTestDatabase(): Promise<DatabaseHandle> {
  const dbName = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const mode = process.env.MONGODB_URI
    ? 'uri'
    : process.env.DB_MODE === 'memory-server'
      ? 'memory-server'
      : 'embedded';
  const handle = await startDatabase({ mode, dbName });
  if (handle.tier !== 'uri') return handle;
  return {
    ...handle,
    async stop() {
      const client = new MongoClient(handle.uri);
      try {
        await client.connect();
        await client.db(dbName).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}
