/**
 * Analytics on data fed through the real pipeline of a running server: sendMessage with the mock
 * provider → usage event → queued cost job → CostCalculated → queued rollup job → usageReport.
 * The report's totals equal the stored cost records, and an export queued over GraphQL is
 * downloaded from the server by its signed URL and parsed back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';
import { reportWindow } from '../helpers/clock';

let app: TestApp;
let owner: SeededActor;
let projectId: string;
const exportDir = mkdtempSync(path.join(os.tmpdir(), 'exports-'));

beforeAll(async () => {
  Object.assign(process.env, {
    MOCK_PROVIDER: 'on',
    ANALYTICS_EXPORT_SECRET: 'pipeline-test-secret-0123456789abcdef',
    ANALYTICS_EXPORT_DIR: exportDir,
  });
  app = await startTestApp();
  owner = await app.seed.createOwner();
  const created = await owner.graphql<{ createProject: { id: string } }>(
    'mutation { createProject(input: { name: "analytics" }) { id } }',
  );
  projectId = created.data!.createProject.id;
});

afterAll(async () => {
  await app?.stop();
  delete process.env.ANALYTICS_EXPORT_SECRET;
  delete process.env.ANALYTICS_EXPORT_DIR;
  rmSync(exportDir, { recursive: true, force: true });
});

async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The app's clock, not the machine's: the suite may run on an injected one (TEST_CLOCK).
const window = () => reportWindow(app.runtime.clock);

it('reports exactly what the cost records say, for requests sent through sendMessage', async () => {
  for (const content of ['one', 'two two', 'three three three']) {
    const res = await owner.graphql(
      'mutation($input: SendMessageInput!) { sendMessage(input: $input) { requestId } }',
      { input: { projectId, provider: 'mock', model: 'mock-small', content } },
    );
    expect(res.errors).toBeUndefined();
  }
  const records = await waitFor(
    'three cost records',
    async () =>
      (await owner.graphql('{ costRecords(first: 50) { edges { node { cost { total } } } } }')).data
        .costRecords.edges as { node: { cost: { total: string } } }[],
    (edges) => edges.length === 3,
  );
  const nano = (usd: string) => {
    const [whole, fraction = ''] = usd.split('.');
    return BigInt(whole as string) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0') || '0');
  };
  const recordTotal = records.reduce((sum, e) => sum + nano(e.node.cost.total), 0n);

  const report = await waitFor(
    'the rollups to count three requests',
    async () => {
      const res = await owner.graphql(
        'query($f: AnalyticsFilter!) { usageReport(filter: $f) { totals { requests costUsd totalTokens } } }',
        { f: window() },
      );
      expect(res.errors).toBeUndefined();
      return res.data.usageReport.totals as { requests: number; costUsd: string; totalTokens: number };
    },
    (totals) => totals?.requests === 3,
  );
  expect(nano(report!.costUsd)).toBe(recordTotal);
  expect(report!.totalTokens).toBeGreaterThan(0);
});

it('exports the cost records as CSV and serves the file at its signed URL only', async () => {
  const queued = await owner.graphql(
    'mutation($input: ExportReportInput!) { exportReport(input: $input) { id status } }',
    { input: { report: 'COST_RECORDS', format: 'CSV', filter: window() } },
  );
  expect(queued.errors).toBeUndefined();
  const id = queued.data.exportReport.id as string;
  const done = await waitFor(
    'the export job',
    async () =>
      (
        await owner.graphql(
          'query($id: String!) { exportStatus(id: $id) { status rows downloadUrl error } }',
          { id },
        )
      ).data.exportStatus as {
        status: string;
        rows: number;
        downloadUrl: string | null;
        error: string | null;
      },
    (s) => s.status !== 'QUEUED' && s.status !== 'RUNNING' && s.status !== 'queued' && s.status !== 'running',
  );
  expect(done.error).toBeNull();
  expect(done.rows).toBe(3);
  const signed = new URL(done.downloadUrl as string);
  const local = new URL(`${signed.pathname}${signed.search}`, app.url);
  const file = await fetch(local);
  expect(file.status).toBe(200);
  const lines = (await file.text()).trim().split(/\r?\n/);
  expect(lines).toHaveLength(4); // header + three records

  local.searchParams.set('signature', '0'.repeat(64));
  const forged = await fetch(local);
  expect(forged.status).toBe(403);
});
