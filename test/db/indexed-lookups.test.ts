/**
 * The embedded server answers _id and indexed lookups without scanning the collection, and
 * serves agenda's lock query from its compound index. Uses the in-process server's counters.
 */
import { MongoClient } from 'mongodb';
import { type EmbeddedServer, startEmbeddedServer } from '../../src/db/embedded/server';

let server: EmbeddedServer;
let client: MongoClient;
const N = 5000;

beforeAll(async () => {
  server = await startEmbeddedServer();
  client = await new MongoClient(`mongodb://127.0.0.1:${server.port}/idx`).connect();
  const c = client.db('idx').collection('docs');
  await c.createIndex({ email: 1 }, { unique: true });
  await c.createIndex({ org: 1, at: -1 });
  await c.createIndex({ tags: 1 });
  await c.insertMany(
    Array.from({ length: N }, (_, i) => ({
      _id: i as never,
      email: `u${i}@x`,
      org: `o${i % 10}`,
      at: new Date(i * 1000),
      tags: [`t${i % 50}`, 'all'],
    })),
  );
});

afterAll(async () => {
  await client.close();
  await server.stop();
});

function stats(name = 'docs') {
  const coll = server.storage.collection('idx', name)!;
  return { ...coll.stats };
}

async function examined(
  run: () => Promise<unknown>,
  name = 'docs',
): Promise<{ docs: number; scans: number }> {
  const before = stats(name);
  await run();
  const after = stats(name);
  return {
    docs: after.docsExamined - before.docsExamined,
    scans: after.collectionScans - before.collectionScans,
  };
}

describe('indexed lookups', () => {
  const c = () => client.db('idx').collection('docs');

  it('finds by _id and by unique field examining one document', async () => {
    expect(await examined(() => c().findOne({ _id: 4321 as never }))).toEqual({ docs: 1, scans: 0 });
    expect(await examined(() => c().findOne({ email: 'u77@x' }))).toEqual({ docs: 1, scans: 0 });
    expect(await examined(() => c().updateOne({ email: 'u78@x' }, { $inc: { n: 1 } }))).toEqual({
      docs: 1,
      scans: 0,
    });
  });

  it('uses compound index ranges and sort order, stopping at the limit', async () => {
    const r = await examined(async () => {
      const docs = await c()
        .find({ org: 'o3', at: { $gte: new Date(1_000_000) } }, { sort: { at: -1 }, limit: 5 })
        .toArray();
      expect(docs.map((d) => d._id)).toEqual([4993, 4983, 4973, 4963, 4953]);
    });
    expect(r).toEqual({ docs: 5, scans: 0 });
  });

  it('uses multikey indexes and $in on _id', async () => {
    const r = await examined(async () => expect(await c().countDocuments({ tags: 't7' })).toBe(N / 50));
    expect(r.scans).toBe(0);
    expect(r.docs).toBe(N / 50);
    expect(
      await examined(() =>
        c()
          .find({ _id: { $in: [1, 2, 3] as never[] } })
          .toArray(),
      ),
    ).toEqual({ docs: 3, scans: 0 });
  });

  it('scans when no index applies, and says so in the counters', async () => {
    expect((await examined(() => c().findOne({ n: 5 }))).scans).toBe(1);
  });

  it("serves agenda's lock query from its compound index", async () => {
    const jobs = client.db('idx').collection('agendaJobs');
    await jobs.createIndex(
      { name: 1, nextRunAt: 1, priority: -1, lockedAt: 1, disabled: 1 },
      { name: 'findAndLockNextJobIndex' },
    );
    const now = new Date();
    // A backlog of finished jobs (nextRunAt null) and future jobs must not be walked per lock.
    await jobs.insertMany(
      Array.from({ length: 2000 }, (_, i) => ({
        name: 'work',
        nextRunAt: null,
        lockedAt: null,
        priority: 0,
        i,
      })),
    );
    await jobs.insertMany(
      Array.from({ length: 2000 }, (_, i) => ({
        name: 'work',
        nextRunAt: new Date(now.getTime() + 3_600_000 + i),
        lockedAt: null,
        priority: 0,
      })),
    );
    await jobs.insertMany(
      Array.from({ length: 3 }, (_, i) => ({
        name: 'work',
        nextRunAt: new Date(now.getTime() - 1000 * (i + 1)),
        lockedAt: null,
        priority: i,
        ready: i,
      })),
    );
    const lockQuery = {
      name: 'work',
      disabled: { $ne: true },
      $or: [
        { lockedAt: { $eq: null }, nextRunAt: { $lte: now } },
        { lockedAt: { $lte: new Date(now.getTime() - 600_000) } },
      ],
    };
    const r = await examined(async () => {
      const locked = await jobs.findOneAndUpdate(
        lockQuery,
        { $set: { lockedAt: new Date() } },
        { sort: { nextRunAt: 1, priority: -1 }, returnDocument: 'after' },
      );
      expect(locked?.ready).toBe(2);
    }, 'agendaJobs');
    expect(r.scans).toBe(0);
    expect(r.docs).toBeLessThanOrEqual(3);
  });
});
