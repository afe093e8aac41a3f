/**
 * Analytics reports on the real database, served from rollups rebuilt from seeded cost records:
 * totals equal the records to the nano-dollar, time zones regroup the same totals, tenancy holds.
 */
import { MongoClient, type Db } from 'mongodb';
import type { DatabaseHandle } from '../../src/db/chain';
import { MongoCostRecordStore } from '../../src/costs/mongo-cost-stores';
import { MongoAnalyticsSources } from '../../src/analytics/rollups/analytics-sources';
import { RollupService } from '../../src/analytics/rollups/rollup-service';
import { parseReportFilter } from '../../src/analytics/reports/report-filter';
import { ReportService } from '../../src/analytics/reports/report-service';
import { localDay } from '../../src/analytics/reports/local-time';
import type { CostRecord } from '../../src/costs/cost-record';
import { FakeClock } from '../../src/shared/clock';
import { startTestDatabase } from '../helpers/db';
import { seedCostRecords } from './seed-records';

let handle: DatabaseHandle;
let client: MongoClient;
let db: Db;
let reports: ReportService;
let records: CostRecord[];
const ORG = 'org-reports';
const range = { from: '2026-02-01T00:00:00Z', to: '2026-03-01T00:00:00Z' };
const sum = (rs: CostRecord[]) => rs.reduce((s, r) => s + r.cost.total, 0n);

beforeAll(async () => {
  handle = await startTestDatabase();
  client = await MongoClient.connect(handle.uri);
  db = client.db(handle.dbName);
  records = await seedCostRecords(db, {
    organizationId: ORG,
    count: 1400,
    from: new Date(range.from),
    days: 28,
    failEvery: 10,
  });
  await seedCostRecords(db, { organizationId: 'org-other', count: 50, from: new Date(range.from), days: 28 });
  const service = new RollupService(db, new MongoAnalyticsSources(db), new FakeClock('2026-03-02T00:00:00Z'));
  await service.ensureIndexes();
  await service.rebuild();
  reports = new ReportService(service.store, new MongoCostRecordStore(db));
}, 120_000);
afterAll(async () => {
  await client?.close();
  await handle?.stop();
});

describe('usageReport', () => {
  it('totals equal the cost records, with a daily series and top-N', async () => {
    const report = await reports.usageReport(parseReportFilter(ORG, range), {
      granularity: 'DAY',
      top: { dimension: 'MODEL', limit: 2 },
    });
    expect(report.totals.costNano).toBe(sum(records));
    expect(report.totals.requests).toBe(1400);
    expect(report.totals.errors).toBe(140);
    expect(report.series).toHaveLength(28);
    expect(report.series.reduce((s, p) => s + p.summary.costNano, 0n)).toBe(sum(records));
    expect(report.top).toHaveLength(2);
    const topModel = report.top[0]!;
    expect(topModel.summary.costNano).toBe(
      sum(records.filter((r) => `${r.provider}/${r.model}` === topModel.key)),
    );
    expect(report.totals.latencyP95Ms!).toBeGreaterThan(report.totals.latencyP50Ms!);
  });

  it('puts every hour in the local day it starts in, for whole- and half-hour offsets', async () => {
    const hourOf = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
    for (const timezone of ['Europe/Paris', 'America/New_York', 'Asia/Kolkata']) {
      // Unaligned edges too: from 05:00 UTC on the first day.
      const filter = parseReportFilter(ORG, { from: '2026-02-01T05:00:00Z', to: range.to });
      const report = await reports.usageReport(filter, { timezone });
      const expected = new Map<string, { cost: bigint; requests: number }>();
      for (const r of records.filter((r) => r.requestedAt >= filter.from)) {
        const label = localDay(hourOf(r.requestedAt), timezone);
        const e = expected.get(label) ?? { cost: 0n, requests: 0 };
        e.cost += r.cost.total;
        e.requests += 1;
        expected.set(label, e);
      }
      expect(report.series.map((p) => [p.label, p.summary.costNano, p.summary.requests])).toEqual(
        [...expected.entries()]
          .sort((a, b) => a[0].localeCompare(b[0]))
          .map(([l, e]) => [l, e.cost, e.requests]),
      );
    }
  });

  it('regroups the same totals into local days for a time zone', async () => {
    const report = await reports.usageReport(parseReportFilter(ORG, range), { timezone: 'America/New_York' });
    expect(report.totals.costNano).toBe(sum(records));
    expect(report.series[0]!.label).toBe('2026-01-31');
    expect(report.series.reduce((s, p) => s + p.summary.requests, 0)).toBe(1400);
    await expect(
      reports.usageReport(parseReportFilter(ORG, range), { timezone: 'Mars/Base' }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
  });

  it('narrows to a project, a user or a model, and never shows another organisation', async () => {
    const project = await reports.usageReport(parseReportFilter(ORG, { ...range, projectId: `${ORG}-p1` }));
    expect(project.totals.costNano).toBe(sum(records.filter((r) => r.projectId === `${ORG}-p1`)));
    const user = await reports.usageReport(
      parseReportFilter(ORG, { ...range, projectId: `${ORG}-p1`, userId: `${ORG}-u2` }),
    );
    expect(user.totals.requests).toBe(
      records.filter((r) => r.projectId === `${ORG}-p1` && r.userId === `${ORG}-u2`).length,
    );
    const model = await reports.usageReport(
      parseReportFilter(ORG, { ...range, provider: 'openai', model: 'gpt-4o' }),
    );
    expect(model.totals.costNano).toBe(sum(records.filter((r) => r.model === 'gpt-4o')));
    // Asking with another organisation's project id inside this organisation finds nothing.
    const foreign = await reports.usageReport(
      parseReportFilter(ORG, { ...range, projectId: 'org-other-p1' }),
    );
    expect(foreign.totals.requests).toBe(0);
    const other = await reports.usageReport(parseReportFilter('org-other', range));
    expect(other.totals.requests).toBe(50);
  });

  it('rejects bad filters with field-level messages', () => {
    expect(() => parseReportFilter(ORG, { from: range.to, to: range.from })).toThrow(
      /filter.to: must be after from/,
    );
    expect(() => parseReportFilter(ORG, { ...range, model: 'gpt-4o' })).toThrow(/needs its provider/);
    expect(() => parseReportFilter(ORG, { ...range, userId: 'u', apiKeyId: 'k' })).toThrow(/at most one/);
    expect(() => parseReportFilter(ORG, { from: '2020-01-01', to: '2026-01-01' })).toThrow(/400 days/);
  });
});

describe('providerComparison, trends, anomalies, forecast', () => {
  it('compares models on exact cost ratios, latency, throughput and error rates', async () => {
    const rows = await reports.providerComparison(parseReportFilter(ORG, range));
    expect(rows.map((r) => `${r.provider}/${r.model}`)).toEqual([
      'anthropic/claude-sonnet-4',
      'openai/gpt-4o',
      'openai/gpt-4o-mini',
    ]);
    const gpt = rows.find((r) => r.model === 'gpt-4o')!;
    const own = records.filter((r) => r.model === 'gpt-4o');
    expect(gpt.costPer1kRequestsNano).toBe((sum(own) * 1000n) / BigInt(own.length));
    expect(gpt.summary.tokensPerSecond).toBeGreaterThan(0);
    expect(gpt.summary.errorRate).toBeCloseTo(
      own.filter((_, i) => i >= 0 && records.indexOf(own[i]!) % 10 === 0).length / own.length,
      6,
    );
  });

  it('reports a flat trend on steady traffic and the period-over-period change', async () => {
    const t = await reports.trends(parseReportFilter(ORG, range), 'REQUESTS');
    expect(t.direction).toBe('FLAT');
    expect(t.currentTotal + t.previousTotal).toBe(1400);
  });

  it('finds a spike day and the records behind it', async () => {
    const spike = await seedCostRecords(db, {
      organizationId: ORG,
      count: 400,
      from: new Date('2026-02-18T00:00:00Z'),
      days: 0.9,
      idPrefix: 'spike',
    });
    const service = new RollupService(
      db,
      new MongoAnalyticsSources(db),
      new FakeClock('2026-03-02T00:00:00Z'),
    );
    await service.rebuild({
      organizationId: ORG,
      range: { from: new Date('2026-02-18T00:00:00Z'), to: new Date('2026-02-19T00:00:00Z') },
    });
    const found = await reports.anomalies(parseReportFilter(ORG, range), 'REQUESTS');
    expect(found.map((a) => a.at.toISOString())).toEqual(['2026-02-18T00:00:00.000Z']);
    expect(found[0]!.direction).toBe('HIGH');
    expect(found[0]!.records).toHaveLength(10);
    expect(found[0]!.records.every((r) => r.requestedAt.toISOString().startsWith('2026-02-18'))).toBe(true);
    const report = await reports.usageReport(parseReportFilter(ORG, range));
    expect(report.totals.costNano).toBe(sum(records) + sum(spike));
  });

  it('forecasts with intervals and validates the horizon', async () => {
    const f = await reports.forecast(parseReportFilter(ORG, range), 'COST', 14);
    expect(f.method).toBe('HOLT_WINTERS');
    expect(f.points).toHaveLength(14);
    expect(f.startsAt.toISOString()).toBe('2026-03-01T00:00:00.000Z');
    for (const p of f.points) expect(p.lower).toBeLessThanOrEqual(p.value);
    await expect(reports.forecast(parseReportFilter(ORG, range), 'COST', 0)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    const empty = await reports.forecast(parseReportFilter('nobody', range), 'REQUESTS', 3);
    expect(empty.method).toBe('MEAN');
  });
});
