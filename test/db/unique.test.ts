/**
 * Conformance: duplicate-key errors (code 11000 with keyPattern and keyValue) for insert,
 * ordered and unordered insertMany, update and upsert; compound, sparse and partial unique indexes.
 */
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import { useTestDb } from './support';

const ctx = useTestDb();

async function unique(name: string, key: Record<string, 1 | -1>, options: object = {}) {
  const c = ctx().db.collection(name);
  await c.createIndex(key, { unique: true, ...options });
  return c;
}

describe('unique indexes', () => {
  it('rejects a duplicate insert with keyPattern and keyValue', async () => {
    const c = await unique('u_insert', { email: 1 });
    await c.insertOne({ email: 'a@x' });
    const err = (await c.insertOne({ email: 'a@x' }).catch((e: unknown) => e)) as MongoServerError;
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(11000);
    expect(err.keyPattern).toEqual({ email: 1 });
    expect(err.keyValue).toEqual({ email: 'a@x' });
    expect(err.message).toMatch(/E11000 duplicate key error collection: .*u_insert index: email_1 dup key/);
    expect(await c.countDocuments()).toBe(1);
  });

  it('stops an ordered insertMany at the first duplicate', async () => {
    const c = await unique('u_ordered', { k: 1 });
    const err = (await c
      .insertMany([{ k: 1 }, { k: 2 }, { k: 1 }, { k: 3 }])
      .catch((e: unknown) => e)) as MongoBulkWriteError;
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect(err.code).toBe(11000);
    expect(err.result.insertedCount).toBe(2);
    const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    expect(writeErrors.map((w) => w.index)).toEqual([2]);
    expect((await c.find({}, { sort: { k: 1 } }).toArray()).map((d) => d.k)).toEqual([1, 2]);
  });

  it('continues an unordered insertMany past duplicates', async () => {
    const c = await unique('u_unordered', { k: 1 });
    const err = (await c
      .insertMany([{ k: 1 }, { k: 1 }, { k: 2 }, { k: 2 }, { k: 3 }], { ordered: false })
      .catch((e: unknown) => e)) as MongoBulkWriteError;
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect(err.result.insertedCount).toBe(3);
    const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    expect(writeErrors.map((w) => [w.index, w.code])).toEqual([
      [1, 11000],
      [3, 11000],
    ]);
    expect(writeErrors[0]?.errmsg).toMatch(/index: k_1 dup key: { k: 1 }/);
  });

  it('rejects an update that would duplicate a key and leaves the document unchanged', async () => {
    const c = await unique('u_update', { k: 1 });
    await c.insertMany([
      { _id: 1 as never, k: 'a' },
      { _id: 2 as never, k: 'b' },
    ]);
    await expect(c.updateOne({ _id: 2 as never }, { $set: { k: 'a' } })).rejects.toMatchObject({
      code: 11000,
      keyPattern: { k: 1 },
      keyValue: { k: 'a' },
    });
    expect(await c.findOne({ _id: 2 as never })).toEqual({ _id: 2, k: 'b' });
  });

  it('rejects an upsert that inserts a duplicate key', async () => {
    const c = await unique('u_upsert', { k: 1 });
    await c.insertOne({ k: 'a', tag: 1 });
    await expect(c.updateOne({ tag: 2 }, { $set: { k: 'a' } }, { upsert: true })).rejects.toMatchObject({
      code: 11000,
      keyValue: { k: 'a' },
    });
    await expect(
      c.findOneAndUpdate({ tag: 3 }, { $set: { k: 'a' } }, { upsert: true }),
    ).rejects.toMatchObject({ code: 11000 });
    expect(await c.countDocuments()).toBe(1);
  });

  it('enforces compound unique keys on the whole tuple', async () => {
    const c = await unique('u_compound', { org: 1, name: -1 });
    await c.insertMany([
      { org: 'o1', name: 'x' },
      { org: 'o2', name: 'x' },
    ]);
    await expect(c.insertOne({ org: 'o1', name: 'x' })).rejects.toMatchObject({
      code: 11000,
      keyPattern: { org: 1, name: -1 },
      keyValue: { org: 'o1', name: 'x' },
    });
  });

  it('treats missing fields as null unless the index is sparse or partial', async () => {
    const plain = await unique('u_nulls', { ext: 1 });
    await plain.insertOne({ a: 1 });
    await expect(plain.insertOne({ a: 2 })).rejects.toMatchObject({ code: 11000, keyValue: { ext: null } });

    const sparse = await unique('u_sparse', { ext: 1 }, { sparse: true });
    await sparse.insertMany([{ a: 1 }, { a: 2 }, { ext: 'x' }]);
    await expect(sparse.insertOne({ ext: 'x' })).rejects.toMatchObject({ code: 11000 });

    const partial = await unique('u_partial', { email: 1 }, { partialFilterExpression: { active: true } });
    await partial.insertMany([{ email: 'a', active: true }, { email: 'a', active: false }, { email: 'a' }]);
    await expect(partial.insertOne({ email: 'a', active: true })).rejects.toMatchObject({ code: 11000 });
    expect(await partial.countDocuments({ email: 'a', active: true })).toBe(1);
  });

  it('refuses to build a unique index over existing duplicates', async () => {
    const c = ctx().db.collection('u_build');
    await c.insertMany([{ k: 1 }, { k: 1 }]);
    await expect(c.createIndex({ k: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
    const names = (await c.listIndexes().toArray()).map((i) => i.name);
    expect(names).toEqual(['_id_']);
  });

  it('rejects a duplicate _id', async () => {
    const c = ctx().db.collection('u_id');
    await c.insertOne({ _id: 'same' as never });
    await expect(c.insertOne({ _id: 'same' as never })).rejects.toMatchObject({
      code: 11000,
      keyPattern: { _id: 1 },
      keyValue: { _id: 'same' },
    });
  });
});
