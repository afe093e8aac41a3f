/**
 * The driver's server monitor against the embedded server, with its default settings. A server
 * that advertises `topologyVersion` must stream awaitable hello replies; one that cannot must not
 * advertise it, or the driver's monitor fails every heartbeat and clears the connection pool
 * (in-flight operations then fail with MongoPoolClearedError).
 */
import { MongoClient } from 'mongodb';
import { startTestDatabase } from '../helpers/db';
import type { DatabaseHandle } from '../../src/db/chain';

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await startTestDatabase();
});

afterAll(async () => {
  await handle.stop();
});

test('heartbeats succeed and the pool is never cleared while operations run', async () => {
  const client = new MongoClient(handle.uri, { heartbeatFrequencyMS: 500 });
  const failures: string[] = [];
  let heartbeats = 0;
  client.on('serverHeartbeatSucceeded', () => {
    heartbeats += 1;
  });
  client.on('serverHeartbeatFailed', (e) => failures.push(`heartbeat: ${String(e.failure)}`));
  client.on('connectionPoolCleared', () => failures.push('pool cleared'));
  await client.connect();
  const collection = client.db(handle.dbName).collection<{ n: number }>('monitoring');
  // Keep operations flowing across several heartbeat intervals.
  for (let i = 0; heartbeats < 4 && i < 400; i += 1) {
    await collection.insertOne({ n: i });
    await new Promise((r) => setTimeout(r, 10));
  }
  await client.close();
  expect(failures).toEqual([]);
  expect(heartbeats).toBeGreaterThanOrEqual(4);
});
