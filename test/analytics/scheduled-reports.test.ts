/** Scheduled reports posted to a real local webhook, signed, with the last period's exact totals. */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { graphql } from 'graphql';
import { buildSchema } from '../../src/schema';
import { createAnalyticsServices, type AnalyticsServices } from '../../src/analytics/analytics-runtime';
import { cronFor, lastPeriod, ScheduledReportService } from '../../src/analytics/exports/scheduled-reports';
import type { DatabaseHandle } from '../../src/db/chain';
import type { CostRecord } from '../../src/costs/cost-record';
import { formatUsd } from '../../src/shared/money';
import { FakeClock } from '../../src/shared/clock';
import { startTestDatabase } from '../helpers/db';
import { seedCostRecords } from './seed-records';

let handle: DatabaseHandle;
let client: MongoClient;
let server: Server;
let url: string;
let service: ScheduledReportService;
let records: CostRecord[];
let analytics: AnalyticsServices;
const received: { body: string; signature: string }[] = [];
let answer = 200;
const secret = 's'.repeat(32);

beforeAll(async () => {
  handle = await startTestDatabase();
  client = await MongoClient.connect(handle.uri);
  const db = client.db(handle.dbName);
  records = await seedCostRecords(db, {
    organizationId: 'org-sched',
    count: 140,
    from: new Date('2026-03-02T00:00:00Z'),
    days: 7,
  });
  const clock = new FakeClock('2026-03-09T06:00:00Z');
  analytics = createAnalyticsServices(db, clock);
  await analytics.rollups.rebuild();
  service = new ScheduledReportService(db, analytics.reports, clock, secret);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ body, signature: String(req.headers['x-signature']) });
      res.statusCode = answer;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}, 60_000);
afterAll(async () => {
  server?.close();
  await client?.close();
  await handle?.stop();
});

describe('scheduled reports', () => {
  it("posts last week's signed report with exact totals, and fails (for a retry) when the webhook does", async () => {
    const s = await service.schedule('org-sched', { cadence: 'WEEKLY', webhookUrl: url });
    expect(await service.deliver(s._id)).toEqual({ status: 200 });
    const { body, signature } = received[0]!;
    expect(signature).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
    const doc = JSON.parse(body);
    expect(doc).toMatchObject({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z' });
    expect(doc.totals.costUsd).toBe(formatUsd(records.reduce((t, r) => t + r.cost.total, 0n)));
    expect(doc.series).toHaveLength(7);
    answer = 500;
    await expect(service.deliver(s._id)).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it('validates schedules and knows its periods', async () => {
    await expect(service.schedule('o', { cadence: 'DAILY', webhookUrl: url })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(service.schedule('o', { cadence: 'WEEKLY', webhookUrl: 'ftp://x' })).rejects.toThrow(/http/);
    await expect(service.deliver('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(lastPeriod('MONTHLY', new Date('2026-03-09T06:00:00Z'))).toEqual({
      from: new Date('2026-02-01T00:00:00Z'),
      to: new Date('2026-03-01T00:00:00Z'),
    });
    expect([cronFor('WEEKLY'), cronFor('MONTHLY')]).toEqual(['0 6 * * 1', '0 6 1 * *']);
  });

  it('schedules through GraphQL for admins and registers the recurring job', async () => {
    const registered: string[] = [];
    const ctx = (role: string, wired = true) => ({
      auth: { userId: 'u', organizationId: 'org-sched', apiKeyId: 'k', role, projectRoles: {} },
      services: {
        analytics: {
          ...analytics,
          schedules: wired
            ? { service, register: async (d: { _id: string }) => void registered.push(d._id) }
            : undefined,
        },
        auth: { projectInOrganization: async (_o: string, p: string) => p === 'mine' },
      },
    });
    const schema = buildSchema();
    const m = (extra = '') =>
      `mutation { scheduleReport(cadence: MONTHLY, webhookUrl: "${url}"${extra}) { id cadence projectId } }`;
    const ok = await graphql({ schema, source: m(', projectId: "mine"'), contextValue: ctx('owner') });
    expect(ok.errors).toBeUndefined();
    expect(registered).toEqual([(ok.data as { scheduleReport: { id: string } }).scheduleReport.id]);
    const code = async (source: string, c: unknown) =>
      ((await graphql({ schema, source, contextValue: c })).errors?.[0]?.originalError as { code?: string })
        .code;
    expect(await code(m(', projectId: "theirs"'), ctx('owner'))).toBe('FORBIDDEN');
    expect(await code(m(), ctx('member'))).toBe('FORBIDDEN');
    expect(await code(m(), ctx('owner', false))).toBe('SERVICE_UNAVAILABLE');
  });
});
