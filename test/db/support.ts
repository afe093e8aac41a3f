/**
 * Conformance-suite plumbing: one fresh database per test file through the chain (embedded by
 * default, a real MongoDB when MONGODB_URI is set) and a connected driver client.
 */
import { type Db, MongoClient } from 'mongodb';
import type { DatabaseHandle } from '../../src/db/chain';
import { startTestDatabase } from '../helpers/db';

export interface TestDb {
  handle: DatabaseHandle;
  client: MongoClient;
  db: Db;
}

/** Registers beforeAll/afterAll hooks and returns a getter for the live database. */
export function useTestDb(): () => TestDb {
  let state: TestDb | undefined;
  beforeAll(async () => {
    const handle = await startTestDatabase();
    const client = await new MongoClient(handle.uri).connect();
    state = { handle, client, db: client.db(handle.dbName) };
  });
  afterAll(async () => {
    await state?.client.close();
    await state?.handle.stop();
  });
  return () => {
    if (!state) throw new Error('test database not started');
    return state;
  };
}

/** True when the suite runs against a real MongoDB (MONGODB_URI), not the embedded server. */
export const againstRealMongo = !!process.env.MONGODB_URI;
