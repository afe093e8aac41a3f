import { Int32, Long } from 'bson';
import { Storage } from '../storage';
import { runCommand } from './dispatch';

let storage: Storage;
const run = (cmd: Record<string, unknown>, db = 'app') => runCommand(storage, db, cmd, 1);
const ok = (cmd: Record<string, unknown>, db = 'app') => {
  const r = run(cmd, db);
  if (r.ok !== 1 && String(r.ok) !== '1') throw new Error(`command failed: ${JSON.stringify(r)}`);
  return r;
};
const firstBatch = (r: Record<string, unknown>) =>
  (r.cursor as { firstBatch: Record<string, unknown>[] }).firstBatch;

beforeEach(() => {
  storage = new Storage();
});

describe('admin commands', () => {
  it('answers handshake and info commands', () => {
    expect(ok({ hello: 1 })).toMatchObject({ isWritablePrimary: true, helloOk: true });
    expect(ok({ isMaster: 1 })).toMatchObject({ ismaster: true });
    expect(ok({ buildInfo: 1 })).toMatchObject({ version: '7.0.0' });
    expect(ok({ connectionStatus: 1 })).toHaveProperty('authInfo');
    expect(ok({ endSessions: [] })).toBeDefined();
  });

  it('creates, lists and drops collections and databases', () => {
    ok({ create: 'a' });
    expect(run({ create: 'a' })).toMatchObject({ ok: 0, code: new Int32(48) });
    ok({ insert: 'b', documents: [{ x: 1 }] });
    ok({ insert: 'c', documents: [{ x: 1 }] }, 'other');
    expect(firstBatch(ok({ listCollections: 1 })).map((c) => c.name)).toEqual(['a', 'b']);
    expect(firstBatch(ok({ listCollections: 1, filter: { name: 'b' }, nameOnly: true }))).toEqual([
      { name: 'b', type: 'collection' },
    ]);
    expect(firstBatch(ok({ listCollections: 1, cursor: { batchSize: 1 } }))).toHaveLength(1);
    expect((ok({ listDatabases: 1 }, 'admin').databases as { name: string }[]).map((d) => d.name)).toEqual([
      'app',
      'other',
    ]);
    expect(ok({ listDatabases: 1, nameOnly: true }, 'admin').databases).toEqual([
      { name: 'app' },
      { name: 'other' },
    ]);
    ok({ drop: 'a' });
    ok({ drop: 'missing' });
    ok({ dropDatabase: 1 }, 'other');
    expect(firstBatch(ok({ listCollections: 1 })).map((c) => c.name)).toEqual(['b']);
    expect(run({ insert: 'bad$name', documents: [{}] })).toMatchObject({ code: new Int32(73) });
    expect(run({ insert: 'x', documents: [{}] }, 'bad.db')).toMatchObject({ code: new Int32(73) });
    expect(run({ create: 'v', validator: { a: 1 } })).toMatchObject({ code: new Int32(115) });
  });

  it('refuses empty, unknown and transactional commands', () => {
    expect(run({})).toMatchObject({ code: new Int32(59) });
    expect(run({ serverStatus: 1 })).toMatchObject({
      code: new Int32(59),
      errmsg: expect.stringMatching(/serverStatus.*MONGODB_URI/),
    });
    expect(run({ commitTransaction: 1 })).toMatchObject({ code: new Int32(20) });
    expect(run({ find: 'x', txnNumber: Long.fromNumber(1), autocommit: false })).toMatchObject({
      code: new Int32(20),
    });
  });
});

describe('index commands', () => {
  it('creates, lists and drops indexes by name, key and wildcard', () => {
    expect(
      ok({
        createIndexes: 'i',
        indexes: [
          { key: { a: 1 }, name: 'a_1' },
          { key: { b: -1 }, unique: true, sparse: true },
        ],
      }),
    ).toMatchObject({
      createdCollectionAutomatically: true,
      numIndexesAfter: new Int32(3),
    });
    ok({
      createIndexes: 'i',
      indexes: [
        { key: { a: 1 }, name: 'a_1' },
        { key: { _id: 1 }, name: '_id_' },
      ],
    });
    ok({
      createIndexes: 'i',
      indexes: [{ key: { t: 1 }, expireAfterSeconds: 60, partialFilterExpression: { t: { $exists: true } } }],
    });
    expect(run({ createIndexes: 'i', indexes: [{ key: { a: 1 }, name: 'other' }] })).toMatchObject({
      code: new Int32(85),
    });
    expect(
      run({ createIndexes: 'i', indexes: [{ key: { a: 1 }, name: 'a_1', unique: true }] }),
    ).toMatchObject({ code: new Int32(86) });
    expect(run({ createIndexes: 'i', indexes: [{ key: { z: 1 }, name: 'a_1' }] })).toMatchObject({
      code: new Int32(86),
    });
    expect(run({ createIndexes: 'i', indexes: [] })).toMatchObject({ ok: 0 });
    expect(run({ createIndexes: 'i', indexes: [{ key: {} }] })).toMatchObject({ ok: 0 });
    expect(
      run({ createIndexes: 'i', indexes: [{ key: { a: 1, b: 1 }, expireAfterSeconds: 5 }] }),
    ).toMatchObject({ code: new Int32(67) });
    expect(run({ createIndexes: 'i', indexes: [{ key: { q: 1 }, expireAfterSeconds: -1 }] })).toMatchObject({
      code: new Int32(67),
    });
    expect(
      run({ createIndexes: 'i', indexes: [{ key: { q: 1 }, partialFilterExpression: 5 }] }),
    ).toMatchObject({ code: new Int32(67) });
    expect(run({ createIndexes: 'i', indexes: [{ key: { q: 0 } }] })).toMatchObject({ code: new Int32(67) });
    const names = () => firstBatch(ok({ listIndexes: 'i' })).map((i) => i.name);
    expect(names()).toEqual(['_id_', 'a_1', 'b_-1', 't_1']);
    expect(firstBatch(ok({ listIndexes: 'i' }))[2]).toMatchObject({ unique: true, sparse: true });
    expect(firstBatch(ok({ listIndexes: 'i' }))[3]).toMatchObject({
      expireAfterSeconds: new Int32(60),
      partialFilterExpression: { t: { $exists: true } },
    });
    ok({ dropIndexes: 'i', index: { b: -1 } });
    ok({ dropIndexes: 'i', index: ['a_1'] });
    expect(names()).toEqual(['_id_', 't_1']);
    ok({ dropIndexes: 'i', index: '*' });
    expect(names()).toEqual(['_id_']);
    expect(run({ dropIndexes: 'i', index: '_id_' })).toMatchObject({ code: new Int32(72) });
    expect(run({ dropIndexes: 'i', index: 'nope' })).toMatchObject({ code: new Int32(27) });
    expect(run({ dropIndexes: 'i', index: { nope: 1 } })).toMatchObject({ code: new Int32(27) });
    expect(run({ dropIndexes: 'i', index: 5 })).toMatchObject({ code: new Int32(14) });
    expect(run({ dropIndexes: 'missing', index: '*' })).toMatchObject({ code: new Int32(26) });
    expect(run({ listIndexes: 'missing' })).toMatchObject({ code: new Int32(26) });
  });

  it('refuses parallel arrays in a compound index', () => {
    ok({ createIndexes: 'p', indexes: [{ key: { a: 1, b: 1 } }] });
    expect(run({ insert: 'p', documents: [{ a: [1], b: [2] }] }).writeErrors).toEqual([
      expect.objectContaining({ code: new Int32(171) }),
    ]);
  });
});

describe('crud command edges', () => {
  beforeEach(() => {
    ok({ insert: 'c', documents: [1, 2, 3, 4, 5].map((i) => ({ _id: i, v: i, g: i % 2 })) });
  });

  it('handles find options, negative limits and getMore', () => {
    expect(firstBatch(ok({ find: 'c', filter: { g: 1 }, sort: { v: -1 }, skip: 1, limit: -1 }))).toEqual([
      { _id: 3, v: 3, g: 1 },
    ]);
    const r = ok({ find: 'c', batchSize: 2 });
    const id = (r.cursor as { id: Long }).id;
    expect(ok({ getMore: id, collection: 'c', batchSize: 2 })).toMatchObject({
      cursor: { nextBatch: [{ _id: 3 }, { _id: 4 }] },
    });
    expect(ok({ getMore: id, collection: 'c' })).toMatchObject({
      cursor: { nextBatch: [{ _id: 5 }], id: Long.fromNumber(0) },
    });
    expect(run({ getMore: id, collection: 'c' })).toMatchObject({ code: new Int32(43) });
    expect(ok({ killCursors: 'c', cursors: [Long.fromNumber(999)] })).toMatchObject({
      cursorsNotFound: [Long.fromNumber(999)],
    });
    expect(firstBatch(ok({ find: 'missing' }))).toEqual([]);
    expect(run({ find: 'c', limit: 'x' })).toMatchObject({ code: new Int32(14) });
    expect(run({ find: 'c', sort: { v: 2 } })).toMatchObject({ code: new Int32(15974) });
    expect(run({ find: 'c', sort: { v: { $meta: 'textScore' } } })).toMatchObject({ code: new Int32(115) });
    expect(run({ find: 'c', tailable: true })).toMatchObject({ code: new Int32(115) });
    expect(
      firstBatch(ok({ find: 'c', sort: { v: 'desc' }, limit: 1, collation: { locale: 'simple' } })),
    ).toEqual([{ _id: 5, v: 5, g: 1 }]);
    expect(run({ find: 5 })).toMatchObject({ code: new Int32(73) });
  });

  it('counts, deletes and reports statement errors', () => {
    expect(ok({ count: 'c' }).n).toEqual(new Int32(5));
    expect(ok({ count: 'c', query: { g: 1 }, skip: 1, limit: 1 }).n).toEqual(new Int32(1));
    expect(ok({ count: 'missing' }).n).toEqual(new Int32(0));
    expect(ok({ delete: 'c', deletes: [{ q: { g: 1 }, limit: 1 }] }).n).toEqual(new Int32(1));
    expect(ok({ delete: 'missing', deletes: [{ q: {}, limit: 0 }] }).n).toEqual(new Int32(0));
    expect(
      run({
        delete: 'c',
        deletes: [
          { q: { $bad: 1 }, limit: 0 },
          { q: {}, limit: 0 },
        ],
      }).writeErrors,
    ).toHaveLength(1);
    expect(
      ok({
        delete: 'c',
        deletes: [
          { q: { $bad: 1 }, limit: 0 },
          { q: { g: 0 }, limit: 0 },
        ],
        ordered: false,
      }).n,
    ).toEqual(new Int32(2));
    expect(run({ delete: 'c' })).toMatchObject({ code: new Int32(9) });
    expect(run({ distinct: 'c', key: 5 })).toMatchObject({ code: new Int32(14) });
    expect(ok({ distinct: 'missing', key: 'a' }).values).toEqual([]);
  });

  it('validates update and findAndModify arguments', () => {
    expect(run({ update: 'c', updates: [{ q: {}, u: { v: 1 }, multi: true }] }).writeErrors).toHaveLength(1);
    expect(run({ update: 'c', updates: [{ q: {}, u: 5 }] }).writeErrors).toHaveLength(1);
    expect(run({ update: 'c', updates: [{ q: {}, u: { $set: 5 } }] }).writeErrors).toHaveLength(1);
    expect(run({ update: 'c', updates: [{ q: {}, u: { $set: { a: 1 }, b: 1 } }] }).writeErrors).toHaveLength(
      1,
    );
    expect(run({ update: 'c', updates: [{ q: { _id: 1 }, u: { $foo: { a: 1 } } }] }).writeErrors).toEqual([
      expect.objectContaining({ code: new Int32(115) }),
    ]);
    expect(
      run({ update: 'c', updates: [{ q: { _id: 1 }, u: { $set: { a: 1 } }, collation: { locale: 'fr' } }] })
        .writeErrors,
    ).toHaveLength(1);
    expect(run({ findAndModify: 'c', query: {}, remove: true, update: { $set: { a: 1 } } })).toMatchObject({
      code: new Int32(9),
    });
    expect(run({ findAndModify: 'c', query: {} })).toMatchObject({ code: new Int32(9) });
    expect(ok({ findAndModify: 'missing', query: {}, remove: true }).value).toBeNull();
    expect(ok({ findAndModify: 'c', query: { _id: 2 }, remove: true, fields: { v: 1 } }).value).toEqual({
      _id: 2,
      v: 2,
    });
    expect(
      ok({ findAndModify: 'c', query: { _id: 9 }, update: { $set: { a: 1 } }, upsert: true }).value,
    ).toBeNull();
    expect(
      ok({ findAndModify: 'c', query: { _id: 10 }, update: { a: 2 }, upsert: true, new: true }).value,
    ).toEqual({ _id: 10, a: 2 });
    expect(
      ok({ findAndModify: 'c', query: { _id: 10 }, update: [{ $set: { b: '$a' } }], new: true }).value,
    ).toEqual({ _id: 10, a: 2, b: 2 });
    expect(run({ findAndModify: 'c', query: { _id: 10 }, update: [{ $set: { _id: 11 } }] })).toMatchObject({
      code: new Int32(66),
    });
  });

  it('aggregates with $sortByCount, $skip, $limit, $replaceRoot and refuses bad pipelines', () => {
    const agg = (pipeline: unknown[]) => firstBatch(ok({ aggregate: 'c', pipeline, cursor: {} }));
    expect(agg([{ $sortByCount: '$g' }])).toEqual([
      { _id: 1, count: new Int32(3) },
      { _id: 0, count: new Int32(2) },
    ]);
    expect(
      agg([{ $sort: { v: 1 } }, { $skip: 1 }, { $limit: 2 }, { $replaceRoot: { newRoot: { x: '$v' } } }]),
    ).toEqual([{ x: 2 }, { x: 3 }]);
    expect(
      agg([
        { $replaceWith: { y: '$v' } },
        { $unset: 'y' },
        { $set: { z: 1 } },
        { $addFields: { w: 2 } },
        { $limit: 1 },
      ]),
    ).toEqual([{ z: 1, w: 2 }]);
    expect(
      agg([
        { $match: { $expr: { $eq: ['$v', 1] } } },
        {
          $group: {
            _id: null,
            first: { $first: '$v' },
            last: { $last: '$v' },
            set: { $addToSet: '$g' },
            c: { $count: {} },
          },
        },
      ]),
    ).toEqual([{ _id: null, first: 1, last: 1, set: [1], c: new Int32(1) }]);
    expect(agg([{ $count: 'n' }, { $project: { n: 1, _id: 0 } }])).toEqual([{ n: new Int32(5) }]);
    expect(agg([{ $match: { v: 99 } }, { $count: 'n' }])).toEqual([]);
    expect(agg([{ $unwind: { path: '$v', includeArrayIndex: 'i' } }, { $limit: 1 }])).toEqual([
      { _id: 1, v: 1, g: 1, i: null },
    ]);
    expect(firstBatch(ok({ aggregate: 'missing', pipeline: [], cursor: {} }))).toEqual([]);
    const bad = (pipeline: unknown, extra = {}) => run({ aggregate: 'c', pipeline, cursor: {}, ...extra });
    expect(bad([{ $limit: 0 }])).toMatchObject({ code: new Int32(15958) });
    expect(bad([{ $skip: -1 }])).toMatchObject({ code: new Int32(15956) });
    expect(bad([{ $count: '' }])).toMatchObject({ code: new Int32(40156) });
    expect(bad([{ $group: { total: { $sum: 1 } } }])).toMatchObject({ code: new Int32(15955) });
    expect(bad([{ $group: { _id: null, total: 1 } }])).toMatchObject({ code: new Int32(40234) });
    expect(bad([{ $unwind: 'v' }])).toMatchObject({ code: new Int32(28818) });
    expect(bad([{ $match: {}, $limit: 1 }])).toMatchObject({ code: new Int32(40323) });
    expect(bad([{ $bucket: { groupBy: '$v', boundaries: [1] } }])).toMatchObject({ code: new Int32(40192) });
    expect(bad([{ $bucket: { groupBy: '$v', boundaries: [3, 1] } }])).toMatchObject({
      code: new Int32(40194),
    });
    expect(bad([{ $bucket: { groupBy: '$v', boundaries: [0, 2] } }])).toMatchObject({
      code: new Int32(40066),
    });
    expect(bad({})).toMatchObject({ code: new Int32(14) });
    expect(run({ aggregate: 'c', pipeline: [] })).toMatchObject({ code: new Int32(9) });
    expect(run({ aggregate: 1, pipeline: [], cursor: {} })).toMatchObject({ code: new Int32(115) });
  });
});
