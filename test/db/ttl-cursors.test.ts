/**
 * Conformance: TTL indexes really remove expired documents; cursors span several batches,
 * can be killed, and a killed cursor is reported as not found (code 43).
 */
import type { Long } from 'mongodb';
import { againstRealMongo, useTestDb } from './support';

const ctx = useTestDb();
// mongod's TTL monitor runs every 60 s; the embedded server's every second.
const ttlWaitMs = againstRealMongo ? 150_000 : 10_000;

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('TTL indexes', () => {
  it(
    'delete documents once their date is older than expireAfterSeconds',
    async () => {
      const c = ctx().db.collection('ttl_docs');
      await c.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
      await c.createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 });
      const past = new Date(Date.now() - 60_000);
      await c.insertMany([
        { _id: 'expired' as never, expiresAt: past },
        { _id: 'future' as never, expiresAt: new Date(Date.now() + 3_600_000) },
        { _id: 'no-date' as never, expiresAt: 'not a date' },
        { _id: 'array' as never, expiresAt: [new Date(Date.now() + 3_600_000), past] },
        { _id: 'recent' as never, createdAt: new Date() },
        { _id: 'old' as never, createdAt: new Date(Date.now() - 7_200_000) },
      ]);
      await eventually(async () => (await c.countDocuments()) === 3, ttlWaitMs);
      const left = (await c.find({}, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
      expect(left).toEqual(['future', 'no-date', 'recent']);
      const ttl = (await c.listIndexes().toArray()).find((i) => i.name === 'expiresAt_1');
      expect(ttl?.expireAfterSeconds).toBe(0);
    },
    ttlWaitMs + 10_000,
  );
});

describe('cursors', () => {
  it('returns every document across several batches', async () => {
    const c = ctx().db.collection('cur_docs');
    await c.insertMany(Array.from({ length: 95 }, (_, i) => ({ i })));
    const seen: number[] = [];
    for await (const d of c.find({}, { sort: { i: 1 }, batchSize: 10 })) seen.push(d.i as number);
    expect(seen).toEqual(Array.from({ length: 95 }, (_, i) => i));
    const limited = await c.find({}, { sort: { i: -1 }, batchSize: 7, limit: 20, skip: 5 }).toArray();
    expect(limited.map((d) => d.i)).toEqual(Array.from({ length: 20 }, (_, i) => 89 - i));
  });

  it('kills cursors and reports a killed cursor as not found', async () => {
    const db = ctx().db;
    const first = await db.command({ find: 'cur_docs', filter: {}, batchSize: 5 });
    const id = first.cursor.id as Long;
    expect(first.cursor.firstBatch).toHaveLength(5);
    const more = await db.command({ getMore: id, collection: 'cur_docs', batchSize: 5 });
    expect(more.cursor.nextBatch).toHaveLength(5);
    const killed = await db.command({ killCursors: 'cur_docs', cursors: [id] });
    expect(killed.cursorsKilled.map(String)).toEqual([String(id)]);
    await expect(db.command({ getMore: id, collection: 'cur_docs' })).rejects.toMatchObject({ code: 43 });
  });
});
