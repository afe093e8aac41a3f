/**
 * Export jobs on the real database: requested, run as the agenda job body, progress recorded, the
 * file downloaded through the signed URL handler (parsed back), and forged or expired links refused.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { MongoClient } from 'mongodb';
import { graphql } from 'graphql';
import { buildSchema } from '../../src/schema';
import { createAnalyticsServices, type AnalyticsServices } from '../../src/analytics/analytics-runtime';
import {
  createExportDownloadHandler,
  defineExportJob,
  EXPORT_JOB,
  ExportJobService,
} from '../../src/analytics/exports/export-jobs';
import type { DatabaseHandle } from '../../src/db/chain';
import type { CostRecord } from '../../src/costs/cost-record';
import { FakeClock } from '../../src/shared/clock';
import { startTestDatabase } from '../helpers/db';
import { seedCostRecords } from './seed-records';

let handle: DatabaseHandle;
let client: MongoClient;
let service: ExportJobService;
let records: CostRecord[];
let analytics: AnalyticsServices;
const clock = new FakeClock('2026-02-01T00:00:00Z');
const ORG = 'org-exports';
const filter = { from: '2026-01-01T00:00:00Z', to: '2026-01-08T00:00:00Z' };

beforeAll(async () => {
  handle = await startTestDatabase();
  client = await MongoClient.connect(handle.uri);
  const db = client.db(handle.dbName);
  records = await seedCostRecords(db, {
    organizationId: ORG,
    count: 25_000,
    from: new Date(filter.from),
    days: 7,
  });
  analytics = createAnalyticsServices(db, clock);
  await analytics.rollups.rebuild();
  service = new ExportJobService(db, analytics, clock, {
    dir: mkdtempSync(path.join(os.tmpdir(), 'analytics-exports-')),
    secret: 'x'.repeat(40),
    baseUrl: 'https://ai.example.test',
  });
  // Seeding and rebuilding 25k records takes minutes on a loaded machine (this asserts behaviour, not time).
}, 300_000);
afterAll(async () => {
  await client?.close();
  await handle?.stop();
});

describe('export jobs', () => {
  it('writes the file in the job with progress, and serves it by a signed URL', async () => {
    const queued = await service.request(ORG, 'user-1', { report: 'COST_RECORDS', format: 'XLSX', filter });
    expect(queued.status).toBe('QUEUED');
    expect((await service.status(ORG, queued._id)).downloadUrl).toBeNull();

    // Run it as agenda would: through the defined job handler.
    let handler: ((job: { attrs: { data: unknown } }) => Promise<void>) | undefined;
    defineExportJob({ define: (name, h) => name === EXPORT_JOB && (handler = h) }, service);
    await handler!({ attrs: { data: { exportId: queued._id } } });

    const status = await service.status(ORG, queued._id);
    expect(status).toMatchObject({ status: 'DONE', rows: 25_000, progressRows: 25_000 });
    expect(status.downloadUrl).toMatch(/^https:\/\/ai\.example\.test\/analytics\/exports\/.+signature=/);
    await expect(service.status('someone-else', queued._id)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const download = createExportDownloadHandler(service);
    const response = (await download(new Request(status.downloadUrl!)))!;
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await response.arrayBuffer()) as never);
    const sheet = wb.worksheets[0]!;
    expect(sheet.rowCount).toBe(25_001);
    const ids = new Set<string>();
    sheet.eachRow((row, n) => n > 1 && ids.add(String(row.getCell(2).value)));
    expect(ids).toEqual(new Set(records.map((r) => r.id)));

    // A forged signature, another export's id and an expired link are refused.
    const forged = new URL(status.downloadUrl!);
    forged.searchParams.set('signature', 'A'.repeat(43));
    expect((await download(new Request(forged)))!.status).toBe(403);
    clock.advance(2 * 60 * 60 * 1000);
    const expired = (await download(new Request(status.downloadUrl!)))!;
    expect(expired.status).toBe(410);
    expect(await download(new Request('https://ai.example.test/graphql'))).toBeNull();
  }, 120_000);

  it('validates requests up front and records a failed run', async () => {
    await expect(service.request(ORG, 'u', { report: 'NOPE', format: 'CSV', filter })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    await expect(
      service.request(ORG, 'u', {
        report: 'USAGE',
        format: 'CSV',
        filter: { from: filter.to, to: filter.from },
      }),
    ).rejects.toThrow(/must be after from/);
    const bad = await service.request(ORG, 'u', {
      report: 'USAGE',
      format: 'PDF',
      filter: { from: '2026-01-01T00:30:00Z', to: '2026-01-02T00:00:00Z' },
    });
    await expect(service.run(bad._id)).rejects.toThrow(/whole hours/);
    expect((await service.status(ORG, bad._id)).status).toBe('FAILED');
    await expect(service.run('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(
      () =>
        new ExportJobService({} as never, {} as never, clock, { dir: '/tmp', secret: 'short', baseUrl: 'x' }),
    ).toThrow(/at least 32/);
  });

  it("queues an export through GraphQL and reports its status and link, within the caller's organisation", async () => {
    const ran: string[] = [];
    const context = (org: string, wired = true) => ({
      auth: { userId: 'u', organizationId: org, apiKeyId: 'k', role: 'admin', projectRoles: {} },
      services: {
        analytics: {
          ...analytics,
          exports: wired
            ? {
                service,
                enqueue: async (id: string) => {
                  ran.push(id);
                  await service.run(id);
                },
              }
            : undefined,
        },
        auth: { projectInOrganization: async () => false },
      },
    });
    const schema = buildSchema();
    const mutation = `mutation { exportReport(input: { report: USAGE, format: CSV, filter: { from: "${filter.from}", to: "${filter.to}" } }) { id status } }`;
    const queued = await graphql({ schema, source: mutation, contextValue: context(ORG) });
    expect(queued.errors).toBeUndefined();
    const id = (queued.data as { exportReport: { id: string } }).exportReport.id;
    expect(ran).toEqual([id]);
    const query = `{ exportStatus(id: "${id}") { status rows downloadUrl expiresAt } }`;
    const done = await graphql({ schema, source: query, contextValue: context(ORG) });
    expect(done.data).toMatchObject({ exportStatus: { status: 'DONE', rows: 7 } });
    const other = await graphql({ schema, source: query, contextValue: context('org-other') });
    expect((other.errors?.[0]?.originalError as { code?: string }).code).toBe('NOT_FOUND');
    const unwired = await graphql({ schema, source: mutation, contextValue: context(ORG, false) });
    expect((unwired.errors?.[0]?.originalError as { code?: string }).code).toBe('SERVICE_UNAVAILABLE');
  });
});
