/**
 * Conformance: CRUD, upserts, $setOnInsert, positional operators, arrayFilters, pipeline updates,
 * projections, sort order of null/missing and arrays. Runs against a real MongoDB too.
 */
import { ObjectId } from 'mongodb';
import { useTestDb } from './support';

const ctx = useTestDb();

describe('CRUD', () => {
  it('inserts, finds, updates and deletes documents, keeping _id first', async () => {
    const c = ctx().db.collection('crud_basic');
    const { insertedId } = await c.insertOne({ name: 'a', n: 1 });
    expect(insertedId).toBeInstanceOf(ObjectId);
    await c.insertMany([
      { name: 'b', n: 2 },
      { name: 'c', n: 3 },
    ]);
    expect(Object.keys((await c.findOne({ name: 'a' }))!)).toEqual(['_id', 'name', 'n']);
    expect(await c.countDocuments({ n: { $gte: 2 } })).toBe(2);
    const upd = await c.updateMany({ n: { $lt: 3 } }, { $set: { small: true } });
    expect([upd.matchedCount, upd.modifiedCount]).toEqual([2, 2]);
    const same = await c.updateOne({ name: 'a' }, { $set: { small: true } });
    expect([same.matchedCount, same.modifiedCount]).toEqual([1, 0]);
    const del = await c.deleteOne({ name: 'b' });
    expect(del.deletedCount).toBe(1);
    expect((await c.find({}, { sort: { n: -1 } }).toArray()).map((d) => d.name)).toEqual(['c', 'a']);
    await c.replaceOne({ name: 'c' }, { name: 'c2', replaced: true });
    const c2 = await c.findOne({ name: 'c2' }, { projection: { _id: 0 } });
    expect(c2).toEqual({ name: 'c2', replaced: true });
  });

  it('matches query operators with MongoDB semantics', async () => {
    const c = ctx().db.collection('crud_query');
    await c.insertMany([
      { _id: 1 as never, tags: ['a', 'b'], size: { h: 10, w: 5 }, qty: 5, item: 'Apple' },
      { _id: 2 as never, tags: ['b'], size: { h: 8, w: 2 }, qty: 15, item: 'banana', extra: null },
      { _id: 3 as never, tags: [], qty: 25, item: 'cherry', points: [{ p: 1 }, { p: 9 }] },
    ]);
    const ids = async (filter: object) =>
      (await c.find(filter, { sort: { _id: 1 } }).toArray()).map((d) => d._id);
    expect(await ids({ tags: 'b' })).toEqual([1, 2]);
    expect(await ids({ tags: ['b'] })).toEqual([2]);
    expect(await ids({ tags: { $size: 0 } })).toEqual([3]);
    expect(await ids({ tags: { $all: ['a', 'b'] } })).toEqual([1]);
    expect(await ids({ 'size.h': { $gt: 8 } })).toEqual([1]);
    expect(await ids({ extra: null })).toEqual([1, 2, 3]);
    expect(await ids({ extra: { $exists: true } })).toEqual([2]);
    expect(await ids({ extra: { $type: 'null' } })).toEqual([2]);
    expect(await ids({ item: /^b/ })).toEqual([2]);
    expect(await ids({ item: { $regex: 'APPLE', $options: 'i' } })).toEqual([1]);
    expect(await ids({ $or: [{ qty: { $lt: 10 } }, { qty: { $gt: 20 } }] })).toEqual([1, 3]);
    expect(await ids({ qty: { $not: { $gt: 10 } } })).toEqual([1]);
    expect(await ids({ qty: { $nin: [5, 15] } })).toEqual([3]);
    expect(await ids({ points: { $elemMatch: { p: { $gt: 5 } } } })).toEqual([3]);
    expect(await ids({ 'points.p': 9 })).toEqual([3]);
    expect(await ids({ $expr: { $gt: ['$qty', 10] } })).toEqual([2, 3]);
    expect(await ids({ qty: { $mod: [10, 5] } })).toEqual([1, 2, 3]);
    expect(await ids({ $nor: [{ qty: 5 }, { qty: 15 }] })).toEqual([3]);
  });

  it('sorts null and missing together, before numbers, and arrays by their extreme element', async () => {
    const c = ctx().db.collection('crud_sort');
    await c.insertMany([
      { _id: 'num' as never, v: 1 },
      { _id: 'null' as never, v: null },
      { _id: 'missing' as never },
      { _id: 'str' as never, v: 'a' },
      { _id: 'arr' as never, v: [0, 5] },
      { _id: 'date' as never, v: new Date(0) },
    ]);
    const asc = (await c.find({}, { sort: { v: 1, _id: 1 } }).toArray()).map((d) => d._id);
    expect(asc).toEqual(['missing', 'null', 'arr', 'num', 'str', 'date']);
    const desc = (await c.find({}, { sort: { v: -1, _id: 1 } }).toArray()).map((d) => d._id);
    expect(desc).toEqual(['date', 'str', 'arr', 'num', 'missing', 'null']);
  });

  it('projects with inclusion, exclusion, nested paths and $slice', async () => {
    const c = ctx().db.collection('crud_projection');
    await c.insertOne({ _id: 1 as never, a: { b: 1, c: 2 }, list: [1, 2, 3, 4], x: 'y' });
    expect(await c.findOne({}, { projection: { 'a.b': 1 } })).toEqual({ _id: 1, a: { b: 1 } });
    expect(await c.findOne({}, { projection: { a: 0, list: 0 } })).toEqual({ _id: 1, x: 'y' });
    expect(await c.findOne({}, { projection: { list: { $slice: -2 }, _id: 0, x: 1 } })).toEqual({
      list: [3, 4],
      x: 'y',
    });
    expect(await c.findOne({}, { projection: { _id: 0, total: { $add: ['$a.b', '$a.c'] } } })).toEqual({
      total: 3,
    });
    await expect(c.findOne({}, { projection: { a: 1, x: 0 } })).rejects.toMatchObject({ code: 31254 });
  });
});

describe('updates', () => {
  it('upserts with $setOnInsert and query equality fields', async () => {
    const c = ctx().db.collection('upd_upsert');
    const r = await c.updateOne(
      { tenant: 't1', 'meta.kind': 'daily' },
      { $inc: { count: 1 }, $setOnInsert: { createdBy: 'job' } },
      { upsert: true },
    );
    expect(r.upsertedCount).toBe(1);
    await c.updateOne(
      { tenant: 't1', 'meta.kind': 'daily' },
      { $inc: { count: 1 }, $setOnInsert: { createdBy: 'other' } },
      { upsert: true },
    );
    const doc = await c.findOne({ tenant: 't1' }, { projection: { _id: 0 } });
    expect(doc).toEqual({ tenant: 't1', meta: { kind: 'daily' }, count: 2, createdBy: 'job' });
    const byId = await c.updateOne({ _id: 'fixed' as never }, { $set: { v: 1 } }, { upsert: true });
    expect(byId.upsertedId).toBe('fixed');
    const replaced = await c.replaceOne({ key: 'k' }, { key: 'k', v: 2 }, { upsert: true });
    expect(replaced.upsertedCount).toBe(1);
  });

  it('applies array operators, positional $, $[] and arrayFilters', async () => {
    interface Line {
      sku: string;
      qty: number;
      flag?: boolean;
    }
    const c = ctx().db.collection<{ _id: number; grades: number[]; items: Line[]; tags: string[] }>(
      'upd_arrays',
    );
    await c.insertOne({
      _id: 1 as never,
      grades: [80, 85, 90],
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ],
      tags: ['x'],
    });
    await c.updateOne({ _id: 1 as never, grades: 85 }, { $set: { 'grades.$': 86 } });
    await c.updateOne({ _id: 1 as never, 'items.sku': 'b' }, { $inc: { 'items.$.qty': 10 } });
    await c.updateOne({ _id: 1 as never }, { $inc: { 'grades.$[]': 1 } });
    await c.updateOne(
      { _id: 1 as never },
      { $set: { 'items.$[it].flag': true } },
      { arrayFilters: [{ 'it.qty': { $gt: 5 } }] },
    );
    await c.updateOne(
      { _id: 1 as never },
      {
        $addToSet: { tags: { $each: ['x', 'y'] } },
        $push: { grades: { $each: [70, 100], $sort: -1, $slice: 3 } },
      },
    );
    await c.updateOne({ _id: 1 as never }, { $pull: { items: { sku: 'a' } } });
    const doc = await c.findOne({ _id: 1 as never });
    expect(doc).toEqual({
      _id: 1,
      grades: [100, 91, 87],
      items: [{ sku: 'b', qty: 12, flag: true }],
      tags: ['x', 'y'],
    });
    await c.updateOne(
      { _id: 1 as never },
      { $pop: { grades: -1 }, $unset: { tags: '' }, $rename: { items: 'lines' } },
    );
    expect(await c.findOne({ _id: 1 as never })).toEqual({
      _id: 1,
      grades: [91, 87],
      lines: [{ sku: 'b', qty: 12, flag: true }],
    });
  });

  it('applies $min, $max, $mul, $currentDate and pipeline updates', async () => {
    const c = ctx().db.collection('upd_misc');
    await c.insertOne({ _id: 1 as never, lo: 5, hi: 5, price: 10, first: 'Ada', last: 'Lovelace' });
    await c.updateOne(
      { _id: 1 as never },
      { $min: { lo: 2 }, $max: { hi: 9 }, $mul: { price: 3 }, $currentDate: { at: true } },
    );
    await c.updateOne({ _id: 1 as never }, [
      { $set: { full: { $concat: ['$first', ' ', '$last'] } } },
      { $unset: ['first', 'last'] },
    ]);
    const doc = await c.findOne({ _id: 1 as never });
    expect(doc).toMatchObject({ lo: 2, hi: 9, price: 30, full: 'Ada Lovelace' });
    expect(doc?.at).toBeInstanceOf(Date);
    expect(doc).not.toHaveProperty('first');
  });

  it('rejects invalid updates with MongoDB error codes', async () => {
    const c = ctx().db.collection('upd_errors');
    await c.insertOne({ _id: 1 as never, s: 'text', n: 1 });
    await expect(c.updateOne({ _id: 1 as never }, { $inc: { s: 1 } })).rejects.toMatchObject({ code: 14 });
    await expect(c.updateOne({ _id: 1 as never }, { $set: { _id: 2 } })).rejects.toMatchObject({ code: 66 });
    await expect(c.updateOne({ _id: 1 as never }, { $set: { n: 1 }, $inc: { n: 1 } })).rejects.toMatchObject({
      code: 40,
    });
    await expect(c.updateOne({ _id: 1 as never }, { $set: { 's.x': 1 } })).rejects.toMatchObject({
      code: 28,
    });
  });

  it('findOneAndUpdate honours sort, returnDocument, projection and remove', async () => {
    const c = ctx().db.collection('upd_fam');
    await c.insertMany([
      { _id: 1 as never, q: 'a', p: 1 },
      { _id: 2 as never, q: 'a', p: 5 },
      { _id: 3 as never, q: 'a', p: 3 },
    ]);
    const before = await c.findOneAndUpdate(
      { q: 'a' },
      { $set: { taken: true } },
      { sort: { p: -1 }, returnDocument: 'before' },
    );
    expect(before).toEqual({ _id: 2, q: 'a', p: 5 });
    const after = await c.findOneAndUpdate(
      { q: 'a', taken: { $ne: true } },
      { $inc: { p: 10 } },
      { sort: { p: 1 }, returnDocument: 'after', projection: { p: 1 } },
    );
    expect(after).toEqual({ _id: 1, p: 11 });
    const removed = await c.findOneAndDelete({ q: 'a' }, { sort: { p: 1 } });
    expect(removed?._id).toBe(3);
    const none = await c.findOneAndUpdate({ q: 'zzz' }, { $set: { x: 1 } });
    expect(none).toBeNull();
  });

  it('distinct returns each value once, flattening arrays', async () => {
    const c = ctx().db.collection('crud_distinct');
    await c.insertMany([{ t: ['a', 'b'] }, { t: 'b' }, { t: 'c', k: 1 }]);
    expect((await c.distinct('t')).sort()).toEqual(['a', 'b', 'c']);
    expect(await c.distinct('t', { k: 1 })).toEqual(['c']);
  });
});
