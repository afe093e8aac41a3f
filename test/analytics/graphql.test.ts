/**
 * The analytics GraphQL fields executed against the real schema builder and seeded rollups:
 * exact Decimal money, tenancy (organisation from the key, project access, admin for org-wide),
 * input errors with stable codes.
 */
import { graphql, type GraphQLSchema } from 'graphql';
import { MongoClient } from 'mongodb';
import { buildSchema } from '../../src/schema';
import { createAnalyticsServices, type AnalyticsServices } from '../../src/analytics/analytics-runtime';
import type { DatabaseHandle } from '../../src/db/chain';
import type { CostRecord } from '../../src/costs/cost-record';
import { formatUsd } from '../../src/shared/money';
import { FakeClock } from '../../src/shared/clock';
import { startTestDatabase } from '../helpers/db';
import { seedCostRecords } from './seed-records';

let handle: DatabaseHandle;
let client: MongoClient;
let schema: GraphQLSchema;
let analytics: AnalyticsServices;
let records: CostRecord[];
const ORG = 'org-gql';

beforeAll(async () => {
  handle = await startTestDatabase();
  client = await MongoClient.connect(handle.uri);
  const db = client.db(handle.dbName);
  records = await seedCostRecords(db, {
    organizationId: ORG,
    count: 420,
    from: new Date('2026-01-01T00:00:00Z'),
    days: 21,
  });
  await seedCostRecords(db, {
    organizationId: 'org-else',
    count: 30,
    from: new Date('2026-01-01T00:00:00Z'),
    days: 21,
  });
  analytics = createAnalyticsServices(db, new FakeClock('2026-02-01T00:00:00Z'));
  await analytics.rollups.ensureIndexes();
  await analytics.rollups.rebuild();
  schema = buildSchema();
}, 120_000);
afterAll(async () => {
  await client?.close();
  await handle?.stop();
});

type Role = 'owner' | 'admin' | 'member' | 'viewer';
function run(
  query: string,
  role: Role | null = 'admin',
  projectRoles: Record<string, 'admin' | 'member'> = {},
  wired = true,
) {
  const contextValue = {
    auth: role ? { userId: 'u', organizationId: ORG, apiKeyId: 'k', role, projectRoles } : null,
    services: {
      ...(wired ? { analytics } : {}),
      auth: { projectInOrganization: async (org: string, p: string) => p.startsWith(`${org}-`) },
    },
  };
  return graphql({ schema, source: query, contextValue });
}

const range = 'from: "2026-01-01T00:00:00Z", to: "2026-01-22T00:00:00Z"';

describe('analytics GraphQL', () => {
  it('serves usageReport with exact totals and top-N', async () => {
    const res = await run(`{ usageReport(filter: { ${range} }, topBy: MODEL, topLimit: 3) {
      timezone series { label summary { requests } } totals { requests costUsd latencyP95Ms } top { key summary { costUsd } } } }`);
    expect(res.errors).toBeUndefined();
    const report = (
      res.data as {
        usageReport: { series: unknown[]; totals: { requests: number; costUsd: string }; top: unknown[] };
      }
    ).usageReport;
    expect(report.totals.requests).toBe(420);
    expect(report.totals.costUsd).toBe(formatUsd(records.reduce((s, r) => s + r.cost.total, 0n)));
    expect(report.series).toHaveLength(21);
    expect(report.top).toHaveLength(3);
  });

  it('serves providerComparison, trends, anomalies and forecast', async () => {
    const res = await run(`{
      providerComparison(filter: { ${range} }) { provider model costPer1kRequestsUsd costPerMillionTokensUsd summary { errorRate tokensPerSecond } }
      trends(filter: { ${range} }, metric: REQUESTS) { direction periodOverPeriodPercent }
      anomalies(filter: { ${range} }) { at recordIds }
      forecast(filter: { ${range} }, metric: COST, horizon: 7) { method note points { at value lower upper } } }`);
    expect(res.errors).toBeUndefined();
    const data = res.data as Record<string, unknown>;
    expect((data.providerComparison as unknown[]).length).toBe(3);
    expect((data.trends as { direction: string }).direction).toBe('FLAT');
    expect(data.anomalies).toEqual([]);
    const forecast = data.forecast as { method: string; points: { at: string }[] };
    expect(forecast.method).toBe('HOLT_WINTERS');
    expect(forecast.points[0]!.at).toBe('2026-01-22T00:00:00.000Z');
  });

  it('lets a project member read their project only, and keeps org-wide reports for admins', async () => {
    const own = await run(
      `{ usageReport(filter: { ${range}, projectId: "${ORG}-p1" }) { totals { requests } } }`,
      'member',
      {
        [`${ORG}-p1`]: 'member',
      },
    );
    expect(own.errors).toBeUndefined();
    expect((own.data as { usageReport: { totals: { requests: number } } }).usageReport.totals.requests).toBe(
      140,
    );
    const other = await run(
      `{ usageReport(filter: { ${range}, projectId: "${ORG}-p2" }) { totals { requests } } }`,
      'member',
      {
        [`${ORG}-p1`]: 'member',
      },
    );
    expect(
      other.errors?.[0]?.extensions?.code ?? (other.errors?.[0]?.originalError as { code?: string })?.code,
    ).toBe('FORBIDDEN');
    const foreign = await run(
      `{ usageReport(filter: { ${range}, projectId: "org-else-p1" }) { totals { requests } } }`,
      'owner',
    );
    expect((foreign.errors?.[0]?.originalError as { code?: string })?.code).toBe('FORBIDDEN');
    const orgWide = await run(`{ usageReport(filter: { ${range} }) { totals { requests } } }`, 'member');
    expect((orgWide.errors?.[0]?.originalError as { code?: string })?.code).toBe('FORBIDDEN');
    const anonymous = await run(`{ usageReport(filter: { ${range} }) { totals { requests } } }`, null);
    expect(anonymous.errors).toBeDefined();
  });

  it('rejects bad input with stable codes and says when analytics is not wired', async () => {
    const bad = await run(`{ forecast(filter: { ${range} }, horizon: 0) { method } }`);
    expect((bad.errors?.[0]?.originalError as { code?: string })?.code).toBe('BAD_USER_INPUT');
    const backwards = await run(
      `{ trends(filter: { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }, metric: COST) { direction } }`,
    );
    expect(backwards.errors?.[0]?.message).toMatch(/filter.to: must be after from/);
    const unwired = await run(
      `{ trends(filter: { ${range} }, metric: COST) { direction } }`,
      'admin',
      {},
      false,
    );
    expect((unwired.errors?.[0]?.originalError as { code?: string })?.code).toBe('SERVICE_UNAVAILABLE');
  });
});
