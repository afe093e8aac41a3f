/**
 * agenda 6 with MongoBackend through the database chain: now() jobs run once,
 * and the lock index is created.
 */
import { Agenda, InMemoryNotificationChannel } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import { MongoClient } from 'mongodb';
import type { DatabaseHandle } from '../../src/db/chain';
import { startTestDatabase } from '../helpers/db';

let db: DatabaseHandle;
let client: MongoClient;

beforeAll(async () => {
  db = await startTestDatabase();
  client = await new MongoClient(db.uri).connect();
});

afterAll(async () => {
  await client.close();
  await db.stop();
});

function waitFor<T>(register: (resolve: (v: T) => void) => void, timeoutMs = 15000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for agenda')), timeoutMs);
    register((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

describe('agenda on the database chain', () => {
  it('runs a now() job exactly once and records completion', async () => {
    const agenda = new Agenda({
      backend: new MongoBackend({ mongo: client.db(db.dbName) }),
      notificationChannel: new InMemoryNotificationChannel(),
      processEvery: 200,
    });
    const runs: unknown[] = [];
    agenda.define('say-hello', async (job) => {
      runs.push(job.attrs.data);
    });
    const done = waitFor<void>((resolve) => agenda.on('complete:say-hello', () => resolve()));
    await agenda.start();
    await agenda.now('say-hello', { to: 'world' });
    await done;
    await agenda.stop();
    expect(runs).toEqual([{ to: 'world' }]);
    const stored = await client.db(db.dbName).collection('agendaJobs').findOne({ name: 'say-hello' });
    expect(stored?.lastFinishedAt).toBeInstanceOf(Date);
    const indexes = await client.db(db.dbName).collection('agendaJobs').listIndexes().toArray();
    expect(indexes.map((i) => i.name)).toContain('findAndLockNextJobIndex');
  });
});
