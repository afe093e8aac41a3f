/**
 * Recommendations computed from real rollups, stored, listed and dismissed through GraphQL.
 */
import { graphql, type GraphQLSchema } from 'graphql';
import { MongoClient } from 'mongodb';
import { buildSchema } from '../../src/schema';
import { createAnalyticsServices, type AnalyticsServices } from '../../src/analytics/analytics-runtime';
import type { DatabaseHandle } from '../../src/db/chain';
import { FakeClock } from '../../src/shared/clock';
import { startTestDatabase } from '../helpers/db';
import { seedCostRecords } from './seed-records';

let handle: DatabaseHandle;
let client: MongoClient;
let schema: GraphQLSchema;
let analytics: AnalyticsServices;
const ORG = 'org-recs';

beforeAll(async () => {
  handle = await startTestDatabase();
  client = await MongoClient.connect(handle.uri);
  const db = client.db(handle.dbName);
  const from = new Date('2026-01-05T00:00:00Z');
  await seedCostRecords(db, { organizationId: ORG, count: 500, from, days: 20, failEvery: 4 });
  await seedCostRecords(db, {
    organizationId: ORG,
    count: 60,
    from,
    days: 20,
    idPrefix: 'whale',
    userId: 'whale',
    costFactor: 20n,
  });
  analytics = createAnalyticsServices(db, new FakeClock('2026-02-01T12:00:00Z'));
  await analytics.rollups.ensureIndexes();
  await analytics.rollups.rebuild();
  schema = buildSchema();
}, 120_000);
afterAll(async () => {
  await client?.close();
  await handle?.stop();
});

function run(query: string, role: 'owner' | 'member' = 'owner') {
  return graphql({
    schema,
    source: query,
    contextValue: {
      auth: { userId: 'u', organizationId: ORG, apiKeyId: 'k', role, projectRoles: {} },
      services: { analytics, auth: { projectInOrganization: async () => false } },
    },
  });
}

type Rec = {
  kind: string;
  key: string;
  estimatedMonthlySavingUsd: string;
  confidenceLevel: string;
  recordCount: number;
};

describe('recommendations', () => {
  it('finds the expensive user and the flaky models, with exact savings, and lets an admin dismiss one', async () => {
    const res = await run(
      '{ recommendations(refresh: true) { kind key estimatedMonthlySavingUsd confidenceLevel recordCount figures } }',
    );
    expect(res.errors).toBeUndefined();
    const recs = (res.data as { recommendations: Rec[] }).recommendations;
    expect(recs.map((r) => r.key)).toContain('COST_OUTLIER:USER:whale');
    expect(recs.filter((r) => r.kind === 'FLAKY_PROVIDER')).toHaveLength(3);
    const whale = recs.find((r) => r.key === 'COST_OUTLIER:USER:whale')!;
    expect(whale.recordCount).toBe(60);
    expect(Number(whale.estimatedMonthlySavingUsd)).toBeGreaterThan(0);
    // Largest saving first.
    const savings = recs.map((r) => Number(r.estimatedMonthlySavingUsd));
    expect(savings).toEqual([...savings].sort((a, b) => b - a));

    const dismissed = await run('mutation { dismissRecommendation(key: "COST_OUTLIER:USER:whale") }');
    expect(dismissed.errors).toBeUndefined();
    const after = await run('{ recommendations { key } }');
    const keys = (after.data as { recommendations: { key: string }[] }).recommendations.map((r) => r.key);
    expect(keys).not.toContain('COST_OUTLIER:USER:whale');
    expect(keys).toHaveLength(recs.length - 1);
    // A recomputation keeps the dismissal.
    const again = await run('{ recommendations(refresh: true) { key } }');
    expect(
      (again.data as { recommendations: { key: string }[] }).recommendations.map((r) => r.key),
    ).not.toContain('COST_OUTLIER:USER:whale');
  });

  it('refuses members and unknown keys with stable codes', async () => {
    const member = await run('{ recommendations { key } }', 'member');
    expect((member.errors?.[0]?.originalError as { code?: string }).code).toBe('FORBIDDEN');
    const unknown = await run('mutation { dismissRecommendation(key: "nope") }');
    expect((unknown.errors?.[0]?.originalError as { code?: string }).code).toBe('NOT_FOUND');
  });
});
