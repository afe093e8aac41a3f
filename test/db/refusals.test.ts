/**
 * The embedded server refuses what it does not implement — naming the feature, pointing at
 * MONGODB_URI and carrying code 59 or 115 — and refuses transactions with code 20 like a
 * standalone mongod. Skipped against a real MongoDB, which implements all of these.
 */
import { againstRealMongo, useTestDb } from './support';

const ctx = useTestDb();
const describeEmbedded = againstRealMongo ? describe.skip : describe;

describeEmbedded('embedded server refusals', () => {
  const refusal = (code: number, name: string) => ({
    code,
    message: expect.stringMatching(
      new RegExp(
        `${name.replace(/\$/g, '\\$')}.*not supported by the embedded MongoDB-compatible server.*MONGODB_URI`,
      ),
    ),
  });

  it('refuses transactions with code 20', async () => {
    const { client, db } = ctx();
    const session = client.startSession();
    try {
      session.startTransaction();
      await expect(db.collection('tx').findOne({}, { session })).rejects.toMatchObject({ code: 20 });
      // The driver rewrites code 20 on writes into its "does not support retryable writes" error.
      await expect(db.collection('tx').insertOne({ a: 1 }, { session })).rejects.toMatchObject({
        originalError: { code: 20 },
      });
    } finally {
      await session.endSession();
    }
    expect(await db.collection('tx').countDocuments()).toBe(0);
  });

  it('refuses unknown commands with code 59', async () => {
    await expect(
      ctx().db.command({ mapReduce: 'x', map: 'function(){}', reduce: 'function(){}' }),
    ).rejects.toMatchObject(refusal(59, "'mapReduce'"));
    await expect(ctx().db.command({ collStats: 'x' })).rejects.toMatchObject({ code: 59 });
  });

  it('refuses unimplemented query operators, stages, accumulators and expressions with code 115', async () => {
    const c = ctx().db.collection('refuse');
    await c.insertOne({ a: 1, loc: [0, 0] });
    await expect(c.find({ $where: 'this.a == 1' }).toArray()).rejects.toMatchObject(refusal(115, '$where'));
    await expect(c.find({ loc: { $near: [0, 0] } }).toArray()).rejects.toMatchObject(refusal(115, '$near'));
    await expect(c.aggregate([{ $graphLookup: {} }]).toArray()).rejects.toMatchObject(
      refusal(115, '$graphLookup'),
    );
    await expect(c.aggregate([{ $out: 'copy' }]).toArray()).rejects.toMatchObject(refusal(115, '$out'));
    await expect(
      c.aggregate([{ $group: { _id: null, s: { $stdDevPop: '$a' } } }]).toArray(),
    ).rejects.toMatchObject(refusal(115, '$stdDevPop'));
    await expect(
      c.aggregate([{ $project: { x: { $function: { body: 'x', args: [], lang: 'js' } } } }]).toArray(),
    ).rejects.toMatchObject(refusal(115, '$function'));
    await expect(c.updateOne({ a: 1 }, { $bit: { a: { and: 1 } } })).rejects.toMatchObject(
      refusal(115, '$bit'),
    );
    await expect(c.find({}).collation({ locale: 'fr' }).toArray()).rejects.toMatchObject(
      refusal(115, 'collation'),
    );
    await expect(c.createIndex({ loc: '2dsphere' })).rejects.toMatchObject({ code: 115 });
    await expect(c.createIndex({ a: 1 }, { collation: { locale: 'fr' } })).rejects.toMatchObject(
      refusal(115, 'collation'),
    );
    await expect(ctx().db.createCollection('capped', { capped: true, size: 1024 })).rejects.toMatchObject(
      refusal(115, 'capped'),
    );
    await expect(
      c
        .aggregate([
          { $project: { d: { $dateTrunc: { date: '$$NOW', unit: 'day', timezone: 'Europe/Paris' } } } },
        ])
        .toArray(),
    ).rejects.toMatchObject(refusal(115, 'timezone'));
  });
});
