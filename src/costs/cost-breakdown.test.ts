import { makeUsage } from '../providers/usage/normalised-usage';
import { zeroCost } from './cost-calculator';
import { groupCostRecords, timeBucket } from './cost-breakdown';
import type { CostRecord } from './cost-record';
import { InMemoryCostRecordStore } from './cost-stores';

function record(id: string, over: Partial<CostRecord> & { total?: bigint }): CostRecord {
  const cost = { ...zeroCost(), output: over.total ?? 0n, total: over.total ?? 0n };
  return {
    id,
    kind: 'charge',
    adjusts: null,
    usageEventId: id,
    organizationId: 'org',
    projectId: 'p1',
    userId: 'u1',
    apiKeyId: 'k1',
    requestId: id,
    conversationId: null,
    messageId: null,
    provider: 'openai',
    model: 'gpt-4o',
    status: 'priced',
    usage: makeUsage({ inputUncached: 10, output: 1 }),
    cost,
    priceVersions: [],
    modelCalls: 1,
    requestCount: 1,
    unpricedDelta: 0,
    usageIncomplete: false,
    latencyMs: 1,
    requestedAt: new Date('2026-03-01T12:00:00Z'),
    recordedAt: new Date('2026-03-01T12:00:01Z'),
    ...over,
  };
}

describe('timeBucket', () => {
  const at = new Date('2026-03-02T03:30:00Z'); // a Monday in UTC; still Sunday evening in New York
  it.each([
    ['HOUR', 'UTC', '2026-03-02T03'],
    ['HOUR', 'America/New_York', '2026-03-01T22'],
    ['DAY', 'UTC', '2026-03-02'],
    ['DAY', 'America/New_York', '2026-03-01'],
    ['DAY', 'Asia/Kolkata', '2026-03-02'],
    ['WEEK', 'UTC', '2026-03-02'],
    ['WEEK', 'America/New_York', '2026-02-23'],
    ['MONTH', 'America/New_York', '2026-03'],
    ['MONTH', 'Pacific/Honolulu', '2026-03'],
  ] as const)('%s in %s', (unit, zone, expected) => {
    expect(timeBucket(at, unit, zone)).toBe(expected);
  });

  it('puts the first of the month in the previous month west of UTC', () => {
    expect(timeBucket(new Date('2026-04-01T02:00:00Z'), 'MONTH', 'America/Los_Angeles')).toBe('2026-03');
  });
});

describe('groupCostRecords', () => {
  const records = [
    record('a', { total: 1n, requestedAt: new Date('2026-03-01T23:30:00Z') }),
    record('b', {
      total: 2n,
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      requestedAt: new Date('2026-03-02T01:00:00Z'),
    }),
    record('c', { total: 333_333_333n, requestedAt: new Date('2026-03-02T05:00:00Z'), projectId: null }),
    record('d', {
      total: 10n ** 20n,
      status: 'unpriced',
      unpricedDelta: 1,
      requestedAt: new Date('2026-03-03T00:00:00Z'),
    }),
  ];
  const grand = 1n + 2n + 333_333_333n + 10n ** 20n;

  it('sums groups exactly and the groups add up to the grand total', () => {
    for (const groupBy of [
      ['PROVIDER'],
      ['PROVIDER', 'MODEL'],
      ['DAY'],
      ['PROJECT', 'USER', 'API_KEY', 'ORGANIZATION'],
    ] as const) {
      const groups = groupCostRecords(records, [...groupBy]);
      expect(groups.reduce((sum, g) => sum + g.totals.cost.total, 0n)).toBe(grand);
      expect(groups.reduce((sum, g) => sum + g.totals.requests, 0)).toBe(4);
    }
  });

  it('groups by day in the requested timezone', () => {
    const utc = groupCostRecords(records, ['DAY'], 'UTC').map((g) => [g.key.DAY, g.totals.cost.total]);
    const tokyo = groupCostRecords(records, ['DAY'], 'Asia/Tokyo').map((g) => [
      g.key.DAY,
      g.totals.cost.total,
    ]);
    expect(utc).toEqual([
      ['2026-03-01', 1n],
      ['2026-03-02', 2n + 333_333_333n],
      ['2026-03-03', 10n ** 20n],
    ]);
    expect(tokyo).toEqual([
      ['2026-03-02', 1n + 2n + 333_333_333n],
      ['2026-03-03', 10n ** 20n],
    ]);
  });

  it('reports tokens, requests and unpriced requests per group, with null for a missing dimension', () => {
    const groups = groupCostRecords(records, ['PROJECT']);
    expect(groups.map((g) => g.key.PROJECT)).toEqual(['p1', null]);
    const p1 = groups[0]!;
    expect(p1.totals).toMatchObject({ requests: 3, unpricedRequests: 1, records: 3 });
    expect(p1.totals.usage).toMatchObject({ inputUncached: 30, output: 3 });
  });

  it('refuses an unknown timezone', () => {
    expect(() => groupCostRecords(records, ['DAY'], 'Mars/Olympus')).toThrow(/IANA timezone/);
  });
});

describe('InMemoryCostRecordStore', () => {
  it('filters, orders newest first and pages with a stable cursor', async () => {
    const store = new InMemoryCostRecordStore();
    const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
    for (const [id, minute, project] of [
      ['r1', 1, 'p1'],
      ['r2', 2, 'p2'],
      ['r3', 2, 'p1'],
      ['r4', 3, 'p1'],
    ] as const) {
      expect(await store.insert(record(id, { requestedAt: at(minute), projectId: project }))).toBe(true);
    }
    expect(await store.insert(record('r1', {}))).toBe(false);
    const first = await store.find({ organizationId: 'org' }, { first: 2 });
    expect(first.map((r) => r.id)).toEqual(['r4', 'r3']);
    const next = await store.find({ organizationId: 'org' }, { first: 2, after: first[1] });
    expect(next.map((r) => r.id)).toEqual(['r2', 'r1']);
    expect(
      (await store.find({ organizationId: 'org', projectIds: ['p1'], from: at(2), to: at(3) })).map(
        (r) => r.id,
      ),
    ).toEqual(['r3']);
    expect(await store.find({ organizationId: 'other' })).toEqual([]);
  });
});
