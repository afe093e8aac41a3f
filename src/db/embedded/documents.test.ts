import { BSONRegExp, Binary, Decimal128, Int32, Long } from 'bson';
import { MongoCommandError } from './errors';
import { compileFilter } from './matcher';
import { getPath, setPath, unsetPath } from './paths';
import { addFields, applyProjection, replaceRoot, unsetFields } from './projection';
import { parseSort, sortDocs } from './sort';
import { applyUpdate } from './update';

const match = (filter: unknown, doc: Record<string, unknown>) => compileFilter(filter)(doc);
const upd = (doc: Record<string, unknown>, update: unknown, options: object = {}) =>
  applyUpdate(doc, update, { isInsert: false, ...options });

describe('matcher', () => {
  const doc = {
    a: [1, 5, 9],
    s: 'Hello',
    n: new Int32(6),
    l: Long.fromNumber(3),
    d: [{ x: 1 }, { x: [2, 3] }],
    bits: 5,
    nested: [[1, 2]],
  };

  it('supports the documented operators', () => {
    expect(match({ a: { $gt: 4, $lt: 6 } }, doc)).toBe(true);
    expect(match({ a: { $elemMatch: { $gt: 6, $lt: 8 } } }, doc)).toBe(false);
    expect(match({ a: { $all: [1, 9] } }, doc)).toBe(true);
    expect(match({ a: { $all: [] } }, doc)).toBe(false);
    expect(match({ 'a.1': 5 }, doc)).toBe(true);
    expect(match({ 'a.7': { $exists: false } }, doc)).toBe(true);
    expect(match({ 'd.x': 3 }, doc)).toBe(true);
    expect(match({ 'd.1.x': 2 }, doc)).toBe(true);
    expect(match({ s: { $in: [/^h/i] } }, doc)).toBe(true);
    expect(match({ s: { $nin: [/^x/] } }, doc)).toBe(true);
    expect(match({ s: new BSONRegExp('ell', '') }, doc)).toBe(true);
    expect(match({ s: { $regex: new BSONRegExp('^hel', 'i') } }, doc)).toBe(true);
    expect(match({ s: { $regex: /^hel/, $options: 'i' } }, doc)).toBe(true);
    expect(match({ s: { $not: /^x/ } }, doc)).toBe(true);
    expect(match({ n: { $type: 'number' } }, doc)).toBe(true);
    expect(match({ n: { $type: [16, 'string'] } }, doc)).toBe(true);
    expect(match({ l: { $type: 18 } }, doc)).toBe(true);
    expect(match({ bits: { $bitsAllSet: [0, 2] } }, doc)).toBe(true);
    expect(match({ bits: { $bitsAnySet: 2 } }, doc)).toBe(false);
    expect(match({ bits: { $bitsAllClear: [1] } }, doc)).toBe(true);
    expect(match({ bits: { $bitsAnyClear: 5 } }, doc)).toBe(false);
    expect(match({ n: { $mod: [4, 2] } }, doc)).toBe(true);
    expect(match({ n: { $gte: null } }, doc)).toBe(false);
    expect(match({ missing: { $lte: null } }, doc)).toBe(true);
    expect(match({ missing: { $gt: null } }, doc)).toBe(false);
    expect(match({ n: { $gt: 'a' } }, doc)).toBe(false);
    expect(match({ nested: [1, 2] }, doc)).toBe(true);
    expect(match({ $and: [{ n: 6 }, { l: 3 }], $comment: 'x' }, doc)).toBe(true);
    expect(match({ s: { $eq: 'Hello' }, n: { $ne: 5 } }, doc)).toBe(true);
    expect(match(null, doc)).toBe(true);
    expect(match({ v: { $gte: new Decimal128('NaN') } }, { v: new Decimal128('NaN') })).toBe(true);
    expect(match({ v: { $gt: 1 } }, { v: new Decimal128('NaN') })).toBe(false);
    expect(match({ r: /x/ }, { r: /x/ })).toBe(true);
  });

  it('rejects malformed filters with MongoDB codes', () => {
    const code = (f: unknown) => {
      try {
        compileFilter(f);
      } catch (e) {
        return (e as MongoCommandError).code;
      }
      return 0;
    };
    expect(code(5)).toBe(2);
    expect(code({ $and: [] })).toBe(2);
    expect(code({ a: { $in: 5 } })).toBe(2);
    expect(code({ a: { $size: 'x' } })).toBe(2);
    expect(code({ a: { $all: 5 } })).toBe(2);
    expect(code({ a: { $elemMatch: 5 } })).toBe(2);
    expect(code({ a: { $mod: [1] } })).toBe(2);
    expect(code({ a: { $mod: [0, 1] } })).toBe(2);
    expect(code({ a: { $not: 5 } })).toBe(2);
    expect(code({ a: { $type: 99 } })).toBe(2);
    expect(code({ a: { $regex: 5 } })).toBe(2);
    expect(code({ a: { $regex: 'x', $options: 'x' } })).toBe(115);
    expect(code({ a: { $gt: /x/ } })).toBe(2);
    expect(code({ a: { $gt: 1, b: 1 } })).toBe(2);
    expect(code({ a: { $bitsAllSet: 'x' } })).toBe(2);
    expect(code({ a: { $bitsAllSet: new Binary(Buffer.alloc(1)) } })).toBe(115);
    expect(code({ $text: { $search: 'x' } })).toBe(115);
  });
});

describe('paths', () => {
  it('reads, writes and unsets nested paths', () => {
    const doc: Record<string, unknown> = { a: { b: [10, { c: 1 }] } };
    expect(getPath(doc, 'a.b.1.c')).toBe(1);
    expect(getPath(doc, 'a.b.x')).toBeUndefined();
    expect(getPath(doc, 'a.b.0.c')).toBeUndefined();
    setPath(doc, 'a.b.3', 'z');
    expect((doc.a as { b: unknown[] }).b).toEqual([10, { c: 1 }, null, 'z']);
    setPath(doc, 'a.b.5.d', 1);
    expect(getPath(doc, 'a.b.5.d')).toBe(1);
    setPath(doc, 'x.y', 1);
    expect(doc.x).toEqual({ y: 1 });
    expect(() => setPath(doc, 'a.b.k', 1)).toThrow(MongoCommandError);
    expect(() => setPath(doc, 'a.b.0.q', 1)).toThrow(/Cannot create field/);
    expect(() => setPath({ n: null }, 'n.q', 1)).toThrow(/Cannot create field/);
    expect(() => setPath({ n: [] }, 'n.q.r', 1)).toThrow(/Cannot create field/);
    expect(unsetPath(doc, 'a.b.0')).toBe(true);
    expect((doc.a as { b: unknown[] }).b[0]).toBeNull();
    expect(unsetPath(doc, 'a.b.99')).toBe(false);
    expect(unsetPath(doc, 'a.b.x.y')).toBe(false);
    expect(unsetPath(doc, 'x.zz')).toBe(false);
    expect(unsetPath(doc, 'nope.a')).toBe(false);
    expect(unsetPath({ s: 'str' }, 's.a.b')).toBe(false);
  });
});

describe('updates', () => {
  it('applies $push modifiers, $addToSet, $pull conditions and $pullAll', () => {
    const base = { _id: 1, a: [3, 1, 2], o: [{ k: 2 }, { k: 1 }] };
    expect(upd(base, { $push: { a: { $each: [0], $position: 0 } } }).a).toEqual([0, 3, 1, 2]);
    expect(upd(base, { $push: { a: { $each: [9], $position: -1 } } }).a).toEqual([3, 1, 9, 2]);
    expect(upd(base, { $push: { o: { $each: [{ k: 0 }], $sort: { k: 1 }, $slice: -2 } } }).o).toEqual([
      { k: 1 },
      { k: 2 },
    ]);
    expect(upd(base, { $push: { a: { $each: [], $sort: 1 } } }).a).toEqual([1, 2, 3]);
    expect(upd(base, { $push: { n: 1 } }).n).toEqual([1]);
    expect(upd(base, { $addToSet: { a: 3 } }).a).toEqual([3, 1, 2]);
    expect(upd(base, { $pull: { a: { $gte: 2 } } }).a).toEqual([1]);
    expect(upd(base, { $pull: { o: { k: 1 } } }).o).toEqual([{ k: 2 }]);
    expect(upd(base, { $pull: { a: 1, missing: 1 } }).a).toEqual([3, 2]);
    expect(upd(base, { $pullAll: { a: [1, 3] } }).a).toEqual([2]);
    expect(upd(base, { $pop: { a: 1, missing: 1 } }).a).toEqual([3, 1]);
    expect(() => upd(base, { $push: { _id: 1 } })).toThrow(MongoCommandError);
    expect(() => upd({ s: 's' }, { $push: { s: 1 } })).toThrow(/must be an array/);
    expect(() => upd(base, { $push: { a: { $each: 5 } } })).toThrow(/\$each/);
    expect(() => upd({ s: 's' }, { $pull: { s: 1 } })).toThrow();
    expect(() => upd(base, { $pullAll: { a: 1 } })).toThrow();
    expect(() => upd({ s: 's' }, { $pop: { s: 1 } })).toThrow();
  });

  it('applies scalar operators with MongoDB typing and errors', () => {
    expect(
      upd({ a: 1 }, { $mul: { b: Long.fromNumber(3), c: new Int32(2), d: Decimal128.fromString('1.5') } }),
    ).toMatchObject({ b: Long.fromNumber(0), c: new Int32(0) });
    expect(String(upd({}, { $mul: { d: Decimal128.fromString('1.5') } }).d)).toBe('0');
    expect(upd({ a: 1 }, { $min: { b: 5 }, $max: { c: 1 } })).toEqual({ a: 1, b: 5, c: 1 });
    expect(upd({ a: 'x' }, { $rename: { missing: 'b' } })).toEqual({ a: 'x' });
    expect(upd({}, { $currentDate: { t: { $type: 'timestamp' } } }).t).toHaveProperty(
      '_bsontype',
      'Timestamp',
    );
    expect(() => upd({ a: 1 }, { $inc: { a: 'x' } })).toThrow(/non-numeric argument/);
    expect(() => upd({ a: 1 }, { $rename: { a: 5 } })).toThrow(/must be a string/);
    expect(() => upd({ a: 1 }, { $set: { 'a.$bad': 1 } })).toThrow(/not valid for storage/);
    expect(() => upd({ a: [1] }, { $set: { 'a.$': 1 } })).toThrow(/positional operator/);
    expect(() => upd({ a: [1] }, { $set: { 'a.$[x]': 1 } })).toThrow(/No array filter/);
    expect(() => upd({ a: 1 }, { $set: { 'a.$[]': 1 } })).toThrow(/must exist/);
    expect(() => upd({ a: [1] }, { $set: { 'a.$[X]': 1 } }, { arrayFilters: [{ X: 1 }] })).toThrow(
      /array filter/,
    );
    expect(upd({ a: [1, 5] }, { $set: { 'a.$[x]': 0 } }, { arrayFilters: [{ x: { $gt: 2 } }] }).a).toEqual([
      1, 0,
    ]);
    expect(applyUpdate({}, { $set: { 'a.$[]': 1 } }, { isInsert: true })).toEqual({});
    expect(applyUpdate({}, { $setOnInsert: { _id: 5 } }, { isInsert: true })).toEqual({ _id: 5 });
    expect(() => upd({ _id: 1 }, { _id: 2, a: 1 })).toThrow(/immutable/);
    expect(() => upd({ _id: 1 }, { $bad: 1 })).toThrow();
    expect(() => upd({ _id: 1 }, { a: 1, $set: {} })).toThrow(/dollar/);
    expect(upd({ _id: 1, a: 1 }, { b: 2 })).toEqual({ _id: 1, b: 2 });
  });

  it('runs pipeline updates with their allowed stages only', () => {
    expect(
      upd({ _id: 1, a: 1, b: 2 }, [
        { $project: { a: 1 } },
        { $replaceWith: { $mergeObjects: ['$$ROOT', { c: 3 }] } },
      ]),
    ).toEqual({ _id: 1, a: 1, c: 3 });
    expect(upd({ _id: 1, a: { b: 1 } }, [{ $replaceRoot: { newRoot: { _id: '$_id', x: '$a.b' } } }])).toEqual(
      { _id: 1, x: 1 },
    );
    expect(() => upd({ _id: 1 }, [{ $group: { _id: null } }])).toThrow(/not allowed/);
    expect(() => upd({ _id: 1 }, [{ $set: {}, $unset: 'a' }])).toThrow();
  });
});

describe('projection and sort', () => {
  const doc = { _id: 1, a: [{ b: 1, c: 2 }, { b: 3 }, 5], e: { f: 1, g: 2 }, list: [1, 2, 3, 4] };

  it('projects arrays of documents, computed fields and slices', () => {
    expect(applyProjection(doc, { 'a.b': 1, _id: 0 })).toEqual({ a: [{ b: 1 }, { b: 3 }] });
    expect(applyProjection(doc, { 'a.c': 0, e: { g: 0 }, list: 0 })).toEqual({
      _id: 1,
      a: [{ b: 1 }, { b: 3 }, 5],
      e: { f: 1 },
    });
    expect(applyProjection(doc, { _id: 0 })).toEqual({ a: doc.a, e: doc.e, list: doc.list });
    expect(applyProjection(doc, { _id: '$e.f', x: { $literal: 1 } })).toEqual({ _id: 1, x: 1 });
    expect(applyProjection(doc, { list: { $slice: [1, 2] } })).toEqual({ _id: 1, list: [2, 3] });
    expect(applyProjection(doc, { list: { $slice: [-1, 5] } })).toEqual({ _id: 1, list: [4] });
    expect(applyProjection(doc, { list: { $slice: 2 } })).toEqual({ _id: 1, list: [1, 2] });
    expect(applyProjection(doc, { 'e.f': { $slice: 1 } })).toEqual({ _id: 1, e: { f: 1 } });
    expect(applyProjection(doc, { nope: { $slice: 1 } })).toEqual({ _id: 1 });
    expect(applyProjection(doc, {})).toBe(doc);
    expect(() => applyProjection(doc, { a: { $elemMatch: { b: 1 } } })).toThrow(/\$elemMatch/);
    expect(addFields(doc, { 'e.h': 3, list: '$$REMOVE' })).toEqual({
      _id: 1,
      a: doc.a,
      e: { f: 1, g: 2, h: 3 },
    });
    expect(unsetFields(doc, ['a', 'e.f', 'list'])).toEqual({ _id: 1, e: { g: 2 } });
    expect(() => unsetFields(doc, 5)).toThrow();
    expect(() => replaceRoot(doc, '$list')).toThrow(/newRoot/);
  });

  it('parses and applies sort specifications', () => {
    expect(parseSort(undefined)).toBeUndefined();
    expect(parseSort({})).toBeUndefined();
    expect(parseSort({ a: 'ascending', b: 'descending', c: 'asc' })).toEqual([
      ['a', 1],
      ['b', -1],
      ['c', 1],
    ]);
    expect(() => parseSort(5)).toThrow();
    const docs = [{ v: [] }, { v: null }, { v: [3, 1] }, { v: 2 }];
    expect(sortDocs(docs, [['v', 1]])).toEqual([{ v: [] }, { v: null }, { v: [3, 1] }, { v: 2 }]);
    expect(sortDocs(docs, [['v', -1]]).map((d) => d.v)).toEqual([[3, 1], 2, null, []]);
    expect(sortDocs(docs, undefined)).toBe(docs);
  });
});
