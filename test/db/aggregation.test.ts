/**
 * Conformance: the aggregation stages analytics uses — $match, $group ($sum, $avg, $min, $max,
 * $push), $sort, $project, $unwind, $lookup, $facet, $bucket and $dateTrunc.
 */
import { Decimal128 } from 'mongodb';
import { useTestDb } from './support';

const ctx = useTestDb();

const usage = [
  {
    _id: 1,
    provider: 'openai',
    model: 'gpt-4o',
    user: 'u1',
    cost: Decimal128.fromString('0.010'),
    tokens: 100,
    at: new Date('2026-03-02T10:15:00Z'),
    tags: ['chat', 'prod'],
  },
  {
    _id: 2,
    provider: 'openai',
    model: 'gpt-4o-mini',
    user: 'u2',
    cost: Decimal128.fromString('0.002'),
    tokens: 40,
    at: new Date('2026-03-02T23:59:59Z'),
    tags: ['chat'],
  },
  {
    _id: 3,
    provider: 'anthropic',
    model: 'claude',
    user: 'u1',
    cost: Decimal128.fromString('0.030'),
    tokens: 300,
    at: new Date('2026-03-03T00:00:00Z'),
    tags: [],
  },
  {
    _id: 4,
    provider: 'google',
    model: 'gemini',
    user: 'u3',
    cost: Decimal128.fromString('0.005'),
    tokens: 70,
    at: new Date('2026-03-09T08:00:00Z'),
    tags: ['batch'],
  },
];

beforeAll(async () => {
  await ctx()
    .db.collection('usage')
    .insertMany(usage as never[]);
  await ctx()
    .db.collection('users')
    .insertMany([
      { _id: 'u1' as never, name: 'Ada', team: 't1' },
      { _id: 'u2' as never, name: 'Grace', team: 't1' },
    ]);
});

const agg = (pipeline: object[]) => ctx().db.collection('usage').aggregate(pipeline).toArray();

describe('aggregation', () => {
  it('$match, $group with accumulators and $sort', async () => {
    const rows = await agg([
      { $match: { tokens: { $gte: 50 } } },
      {
        $group: {
          _id: '$provider',
          cost: { $sum: '$cost' },
          avgTokens: { $avg: '$tokens' },
          minTokens: { $min: '$tokens' },
          maxAt: { $max: '$at' },
          models: { $push: '$model' },
          n: { $sum: 1 },
        },
      },
      { $sort: { cost: -1 } },
    ]);
    expect(rows.map((r) => [r._id, r.cost.toString(), r.avgTokens, r.minTokens, r.n])).toEqual([
      ['anthropic', '0.030', 300, 300, 1],
      ['openai', '0.010', 100, 100, 1],
      ['google', '0.005', 70, 70, 1],
    ]);
    expect(rows[0]?.maxAt).toEqual(new Date('2026-03-03T00:00:00Z'));
    expect(rows[1]?.models).toEqual(['gpt-4o']);
  });

  it('$project with expressions and $unwind', async () => {
    const rows = await agg([
      { $unwind: '$tags' },
      {
        $project: {
          _id: 0,
          id: '$_id',
          tags: 1,
          big: { $gt: ['$tokens', 90] },
          day: { $dateToString: { format: '%Y-%m-%d', date: '$at' } },
        },
      },
      { $sort: { id: 1, tags: 1 } },
    ]);
    expect(rows).toEqual([
      { tags: 'chat', id: 1, big: true, day: '2026-03-02' },
      { tags: 'prod', id: 1, big: true, day: '2026-03-02' },
      { tags: 'chat', id: 2, big: false, day: '2026-03-02' },
      { tags: 'batch', id: 4, big: false, day: '2026-03-09' },
    ]);
    const kept = await agg([
      { $unwind: { path: '$tags', preserveNullAndEmptyArrays: true } },
      { $match: { _id: 3 } },
    ]);
    expect(kept).toHaveLength(1);
    expect(kept[0]).not.toHaveProperty('tags');
  });

  it('$lookup joins by field and by pipeline', async () => {
    const rows = await agg([
      { $lookup: { from: 'users', localField: 'user', foreignField: '_id', as: 'who' } },
      { $project: { _id: 1, names: '$who.name' } },
      { $sort: { _id: 1 } },
    ]);
    expect(rows.map((r) => r.names)).toEqual([['Ada'], ['Grace'], ['Ada'], []]);
    const viaPipeline = await agg([
      { $match: { _id: 1 } },
      {
        $lookup: {
          from: 'users',
          let: { u: '$user' },
          pipeline: [{ $match: { $expr: { $eq: ['$_id', '$$u'] } } }, { $project: { _id: 0, team: 1 } }],
          as: 'team',
        },
      },
    ]);
    expect(viaPipeline[0]?.team).toEqual([{ team: 't1' }]);
  });

  it('$facet runs sub-pipelines over the same input', async () => {
    const [row] = await agg([
      {
        $facet: {
          total: [{ $group: { _id: null, tokens: { $sum: '$tokens' } } }],
          top: [{ $sort: { tokens: -1 } }, { $limit: 1 }, { $project: { _id: 1 } }],
          count: [{ $count: 'n' }],
        },
      },
    ]);
    expect(row).toEqual({ total: [{ _id: null, tokens: 510 }], top: [{ _id: 3 }], count: [{ n: 4 }] });
  });

  it('$bucket groups by boundaries with a default bucket', async () => {
    const rows = await agg([
      {
        $bucket: {
          groupBy: '$tokens',
          boundaries: [0, 50, 200],
          default: 'large',
          output: { n: { $sum: 1 }, ids: { $push: '$_id' } },
        },
      },
    ]);
    const roots = await agg([
      { $bucket: { groupBy: '$tokens', boundaries: [0, 1000], output: { docs: { $push: '$$ROOT' } } } },
    ]);
    expect(Object.keys(roots[0]?.docs[0] ?? {}).sort()).toEqual(Object.keys(usage[0]!).sort());
    expect(rows).toEqual([
      { _id: 0, n: 1, ids: [2] },
      { _id: 50, n: 2, ids: [1, 4] },
      { _id: 'large', n: 1, ids: [3] },
    ]);
  });

  it('$dateTrunc bins by day, week and hour in UTC', async () => {
    const rows = await agg([
      {
        $project: {
          day: { $dateTrunc: { date: '$at', unit: 'day' } },
          week: { $dateTrunc: { date: '$at', unit: 'week', startOfWeek: 'monday' } },
          sixHours: { $dateTrunc: { date: '$at', unit: 'hour', binSize: 6 } },
          month: { $dateTrunc: { date: '$at', unit: 'month' } },
        },
      },
      { $sort: { _id: 1 } },
    ]);
    expect(rows.map((r) => r.day.toISOString().slice(0, 10))).toEqual([
      '2026-03-02',
      '2026-03-02',
      '2026-03-03',
      '2026-03-09',
    ]);
    expect(rows.map((r) => r.week.toISOString().slice(0, 10))).toEqual([
      '2026-03-02',
      '2026-03-02',
      '2026-03-02',
      '2026-03-09',
    ]);
    expect(rows.map((r) => r.sixHours.toISOString())).toEqual([
      '2026-03-02T06:00:00.000Z',
      '2026-03-02T18:00:00.000Z',
      '2026-03-03T00:00:00.000Z',
      '2026-03-09T06:00:00.000Z',
    ]);
    expect(rows[0]?.month.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    const daily = await agg([
      { $group: { _id: { $dateTrunc: { date: '$at', unit: 'day' } }, cost: { $sum: '$cost' } } },
      { $sort: { _id: 1 } },
    ]);
    expect(daily.map((d) => d.cost.toString())).toEqual(['0.012', '0.030', '0.005']);
  });

  it('returns large results across several cursor batches', async () => {
    const c = ctx().db.collection('agg_batches');
    await c.insertMany(Array.from({ length: 450 }, (_, i) => ({ i })));
    const rows = await c
      .aggregate([{ $match: { i: { $gte: 0 } } }, { $sort: { i: -1 } }], { batchSize: 100 })
      .toArray();
    expect(rows).toHaveLength(450);
    expect(rows[0]?.i).toBe(449);
    expect(rows[449]?.i).toBe(0);
  });
});
