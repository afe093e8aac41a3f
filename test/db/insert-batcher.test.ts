/**
 * Group commit (src/db/insert-batcher.ts) against the database chain: a lone insert goes at once,
 * concurrent inserts share commands, and each caller gets its own document's outcome.
 */
import { MongoClient, MongoServerError, type CommandStartedEvent, type Db } from 'mongodb';
import { InsertBatcher } from '../../src/db/insert-batcher';
import { useTestDb } from './support';

const ctx = useTestDb();

interface Row {
  _id: string;
  k?: number;
}

/** Runs `fn` with a client that records the size of every insert command it sends. */
async function withRecordingClient(fn: (db: Db, inserts: number[]) => Promise<void>): Promise<void> {
  const client = await new MongoClient(ctx().handle.uri, { monitorCommands: true }).connect();
  const inserts: number[] = [];
  client.on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'insert') inserts.push((e.command.documents as unknown[]).length);
  });
  try {
    await fn(client.db(ctx().handle.dbName), inserts);
  } finally {
    await client.close();
  }
}

describe('InsertBatcher', () => {
  it('sends a lone insert at once, as one command', async () => {
    await withRecordingClient(async (db, inserts) => {
      const batcher = new InsertBatcher<Row>(db.collection<Row>('lone'));
      await batcher.insert({ _id: 'a' });
      expect(inserts).toEqual([1]);
      expect(await db.collection('lone').countDocuments()).toBe(1);
    });
  });

  it('folds concurrent inserts into few commands and stores every document', async () => {
    await withRecordingClient(async (db, inserts) => {
      const batcher = new InsertBatcher<Row>(db.collection<Row>('busy'), { maxInFlight: 1 });
      await Promise.all(Array.from({ length: 100 }, (_, i) => batcher.insert({ _id: `r${i}` })));
      // The first goes alone; the 99 that arrived while it was on the wire share the next command.
      expect(inserts).toEqual([1, 99]);
      expect(await db.collection('busy').countDocuments()).toBe(100);
    });
  });

  it('splits a long queue at maxBatch', async () => {
    await withRecordingClient(async (db, inserts) => {
      const batcher = new InsertBatcher<Row>(db.collection<Row>('split'), { maxBatch: 40, maxInFlight: 1 });
      await Promise.all(Array.from({ length: 101 }, (_, i) => batcher.insert({ _id: `r${i}` })));
      expect(inserts).toEqual([1, 40, 40, 20]);
      expect(await db.collection('split').countDocuments()).toBe(101);
    });
  });

  it('keeps documents inserted together in one command, in order', async () => {
    await withRecordingClient(async (db, inserts) => {
      const batcher = new InsertBatcher<Row>(db.collection<Row>('together'));
      await batcher.insertAll([
        { _id: 'x', k: 1 },
        { _id: 'y', k: 2 },
      ]);
      expect(inserts).toEqual([2]);
      const docs = await db.collection<Row>('together').find().sort({ k: 1 }).toArray();
      expect(docs.map((d) => d._id)).toEqual(['x', 'y']);
    });
  });

  it('rejects only the caller whose document broke a unique index, with MongoDB’s error', async () => {
    const { db } = ctx();
    const collection = db.collection<Row>('dupes');
    await collection.createIndex({ k: 1 }, { unique: true });
    await collection.insertOne({ _id: 'existing', k: 7 });
    const batcher = new InsertBatcher<Row>(collection, { maxInFlight: 1 });
    const outcomes = await Promise.allSettled([
      batcher.insert({ _id: 'first', k: 1 }),
      batcher.insert({ _id: 'second', k: 2 }),
      batcher.insert({ _id: 'clash', k: 7 }),
      batcher.insert({ _id: 'third', k: 3 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const error = (outcomes[2] as PromiseRejectedResult).reason as MongoServerError;
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error.code).toBe(11000);
    expect(error.message).toMatch(/E11000 duplicate key error .* dup key: \{ k: 7 \}/);
    const ids = (await collection.find().sort({ k: 1 }).toArray()).map((d) => d._id);
    expect(ids).toEqual(['first', 'second', 'third', 'existing']);
  });

  it('rejects a lone duplicate with the driver’s own error', async () => {
    const { db } = ctx();
    const batcher = new InsertBatcher<Row>(db.collection<Row>('lone-dupe'));
    await batcher.insert({ _id: 'same' });
    const error = (await batcher.insert({ _id: 'same' }).catch((e: unknown) => e)) as MongoServerError;
    expect(error.code).toBe(11000);
  });

  it('rejects every caller when the command itself fails, and keeps working afterwards', async () => {
    const client = await new MongoClient(ctx().handle.uri).connect();
    const batcher = new InsertBatcher<Row>(client.db(ctx().handle.dbName).collection<Row>('closed'), {
      maxInFlight: 1,
    });
    await client.close();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => batcher.insert({ _id: `r${i}` })),
    );
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    // Nothing is left in flight: new inserts settle (rejected again, as the client is closed)
    // instead of queueing behind a batch that never ends.
    await expect(batcher.insert({ _id: 'later' })).rejects.toBeDefined();
    expect(await ctx().db.collection('closed').countDocuments()).toBe(0);
  });
});
