/**
 * `costBreakdown` summed in the database on the real database chain, at volume: thousands of
 * records with awkward amounts (sub-cent nano-USD, negative adjustments, amounts beyond 2^63
 * nano-USD) over a year, grouped by every dimension and by calendar buckets in zones with
 * half- and quarter-hour offsets and DST. Every group must equal, to the nano-USD, the sum of its
 * records computed independently from the records themselves.
 */
import { MongoClient, type Db } from 'mongodb';

import { COST_GROUP_BY, groupCostRecords, type CostGroupBy } from '../../src/costs/cost-breakdown';
import { zeroCost } from '../../src/costs/cost-calculator';
import type { CostRecord } from '../../src/costs/cost-record';
import { CostQueryService } from '../../src/costs/cost-query-service';
import { MongoCostRecordStore } from '../../src/costs/mongo-cost-stores';
import type { DatabaseHandle } from '../../src/db/chain';
import { makeUsage } from '../../src/providers/usage/normalised-usage';
import { startTestDatabase } from '../helpers/db';

let handle: DatabaseHandle;
let client: MongoClient;
let db: Db;
let store: MongoCostRecordStore;
const records: CostRecord[] = [];
const COUNT = 3_000;

/** Deterministic pseudo-random numbers, so a failure can be reproduced. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

beforeAll(async () => {
  handle = await startTestDatabase();
  client = new MongoClient(handle.uri);
  await client.connect();
  db = client.db(handle.dbName);
  store = new MongoCostRecordStore(db);
  await store.ensureIndexes();
  const next = random(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < COUNT; i += 1) {
    const adjustment = i % 17 === 0;
    const components = {
      inputUncached: BigInt(Math.floor(next() * 9_999_999)),
      cacheRead: BigInt(Math.floor(next() * 1_000)),
      cacheWrite5m: 0n,
      cacheWrite1h: i % 101 === 0 ? 2n ** 64n + 7n : 0n, // beyond int64: must still sum exactly
      output: BigInt(Math.floor(next() * 123_456_789)),
      reasoning: BigInt(Math.floor(next() * 3)),
    };
    const sign = adjustment ? -1n : 1n;
    const cost = zeroCost();
    for (const [kind, value] of Object.entries(components)) {
      cost[kind as keyof typeof components] = sign * value;
      cost.total += sign * value;
    }
    records.push({
      id: `r${i}`,
      kind: adjustment ? 'adjustment' : 'charge',
      adjusts: adjustment ? `r${i - 1}` : null,
      usageEventId: `r${i}`,
      organizationId: i % 10 === 0 ? 'other-org' : 'org',
      projectId: pick(['p1', 'p2', 'p3', null]),
      userId: pick(['u1', 'u2', null]),
      apiKeyId: pick(['k1', 'k2', 'k3']),
      requestId: `req${i}`,
      conversationId: null,
      messageId: null,
      provider: pick(['openai', 'anthropic', 'google']),
      model: pick(['m-a', 'm-b', 'm-c', 'm-d']),
      status: adjustment || i % 13 ? 'priced' : 'unpriced',
      usage: adjustment
        ? makeUsage({})
        : makeUsage({ inputUncached: Math.floor(next() * 5_000), output: Math.floor(next() * 900) }),
      cost,
      priceVersions: [],
      modelCalls: adjustment ? 0 : 1,
      requestCount: adjustment ? 0 : 1,
      unpricedDelta: adjustment ? -1 : i % 13 ? 0 : 1,
      usageIncomplete: false,
      latencyMs: 10,
      // Minute-level times over a year, so every DST change and month end is crossed.
      requestedAt: new Date(start + Math.floor(next() * 365 * 24 * 60) * 60_000 + 1_234),
      recordedAt: new Date(start),
    });
  }
  const inserted = await store.insertMany(records);
  expect(inserted.size).toBe(COUNT);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await handle?.stop();
});

const orgRecords = () => records.filter((r) => r.organizationId === 'org');

describe('breakdown in the database', () => {
  const check = async (groupBy: CostGroupBy[], zone: string) => {
    const result = await store.breakdown({ organizationId: 'org' }, groupBy, zone);
    expect(result.groups).toEqual(groupCostRecords(orgRecords(), groupBy, zone));
    const grand = orgRecords().reduce((sum, r) => sum + r.cost.total, 0n);
    expect(result.total.cost.total).toBe(grand);
    expect(result.groups.reduce((sum, g) => sum + g.totals.cost.total, 0n)).toBe(grand);
    expect(result.total.records).toBe(orgRecords().length);
  };

  it('matches the records summed one by one, for every dimension', async () => {
    for (const groupBy of [
      [],
      ['PROVIDER'],
      ['PROVIDER', 'MODEL'],
      ['USER', 'PROJECT', 'API_KEY', 'ORGANIZATION'],
    ]) {
      await check(groupBy as CostGroupBy[], 'UTC');
    }
  }, 60_000);

  it.each(['UTC', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe'])(
    'matches the records summed one by one in calendar buckets of %s',
    async (zone) => {
      for (const groupBy of [['HOUR'], ['DAY', 'PROVIDER'], ['WEEK'], ['MONTH', 'MODEL']]) {
        await check(groupBy as CostGroupBy[], zone);
      }
    },
    60_000,
  );

  it('applies the filter before grouping', async () => {
    const from = new Date(Date.UTC(2025, 2, 1));
    const to = new Date(Date.UTC(2025, 5, 1));
    const result = await store.breakdown(
      { organizationId: 'org', projectIds: ['p1', 'p2'], provider: 'openai', from, to },
      ['PROJECT', 'MONTH'],
      'Europe/Paris',
    );
    const expected = orgRecords().filter(
      (r) =>
        (r.projectId === 'p1' || r.projectId === 'p2') &&
        r.provider === 'openai' &&
        r.requestedAt >= from &&
        r.requestedAt < to,
    );
    expect(result.groups).toEqual(groupCostRecords(expected, ['PROJECT', 'MONTH'], 'Europe/Paris'));
    expect(result.groups.map((g) => g.key.PROJECT)).not.toContain('p3');
  });

  it('leaves out the records of excluded requests (a budget repair skips held requests)', async () => {
    const excluded = ['req1', 'req2', 'req17'];
    const result = await store.breakdown({ organizationId: 'org', excludeRequestIds: excluded }, [], 'UTC');
    const expected = orgRecords().filter((r) => !excluded.includes(r.requestId));
    expect(expected.length).toBeLessThan(orgRecords().length);
    expect(result.total.cost.total).toBe(expected.reduce((sum, r) => sum + r.cost.total, 0n));
    expect(result.total.records).toBe(expected.length);
  });

  it('gives an empty breakdown when nothing matches', async () => {
    const result = await store.breakdown({ organizationId: 'nobody' }, ['DAY'], 'UTC');
    expect(result.groups).toEqual([]);
    expect(result.total.cost.total).toBe(0n);
    expect(result.total.requests).toBe(0);
  });

  it('is what costBreakdown answers, limited to the projects a member may see', async () => {
    const queries = new CostQueryService(store);
    const member = {
      userId: 'u1',
      organizationId: 'org',
      apiKeyId: 'k1',
      role: 'member' as const,
      projectRoles: { p2: 'member' as const },
    };
    const result = await queries.breakdown(member, {}, [...COST_GROUP_BY], 'Asia/Kathmandu');
    const visible = orgRecords().filter((r) => r.projectId === 'p2');
    expect(result.groups).toEqual(groupCostRecords(visible, [...COST_GROUP_BY], 'Asia/Kathmandu'));
    await expect(queries.breakdown(member, {}, ['DAY'], 'Mars/Olympus')).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });
});
