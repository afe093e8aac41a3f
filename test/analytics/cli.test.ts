/**
 * `ai analytics rebuild` and `ai analytics export` through oclif's real parser, against a seeded
 * database reached through MONGODB_URI (the chain's first tier), files parsed back.
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import type { DatabaseHandle } from '../../src/db/chain';
import type { CostRecord } from '../../src/costs/cost-record';
import { formatUsd } from '../../src/shared/money';
import { startTestDatabase } from '../helpers/db';
import { runAi } from '../cli/helpers';
import { seedCostRecords } from './seed-records';

let handle: DatabaseHandle;
let client: MongoClient;
let records: CostRecord[];
const dir = mkdtempSync(path.join(os.tmpdir(), 'analytics-cli-'));
const saved = process.env.MONGODB_URI;

beforeAll(async () => {
  handle = await startTestDatabase();
  client = await MongoClient.connect(handle.uri);
  records = await seedCostRecords(client.db(handle.dbName), {
    organizationId: 'org-cli',
    count: 300,
    from: new Date('2026-01-01T00:00:00Z'),
    days: 10,
  });
  process.env.MONGODB_URI = handle.uri;
}, 60_000);
afterAll(async () => {
  process.env.MONGODB_URI = saved;
  if (saved === undefined) delete process.env.MONGODB_URI;
  await client?.close();
  await handle?.stop();
});

describe('ai analytics', () => {
  it('rebuilds the rollups and exports a usage report whose total equals the records', async () => {
    const rebuilt = await runAi(['analytics', 'rebuild', '--json']);
    expect(rebuilt.exitCode).toBe(0);
    expect(rebuilt.json()).toMatchObject({ ok: true, organizations: 1, costRecords: 300 });

    const out = path.join(dir, 'usage.json');
    const exported = await runAi([
      'analytics',
      'export',
      '--organization',
      'org-cli',
      '--report',
      'USAGE',
      '--format',
      'json',
      '--out',
      out,
      '--from',
      '2026-01-01T00:00:00Z',
      '--to',
      '2026-01-11T00:00:00Z',
    ]);
    expect(exported.exitCode).toBe(0);
    expect(exported.stderr).toMatch(/Wrote 10 rows/);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    const total = records.reduce((s, r) => s + r.cost.total, 0n);
    expect(doc.summary.find((s: { label: string }) => s.label === 'Total cost (USD)').value).toBe(
      formatUsd(total),
    );
    expect(doc.rows).toHaveLength(10);
  });

  it('streams every cost record to CSV with progress', async () => {
    const out = path.join(dir, 'records.csv');
    const result = await runAi([
      'analytics',
      'export',
      '--organization',
      'org-cli',
      '--report',
      'COST_RECORDS',
      '--format',
      'CSV',
      '--out',
      out,
      '--from',
      '2026-01-01T00:00:00Z',
      '--to',
      '2026-01-11T00:00:00Z',
      '--json',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.json()).toMatchObject({ ok: true, rows: 300, format: 'CSV' });
    const lines = readFileSync(out, 'utf8').trim().split('\r\n');
    expect(lines).toHaveLength(301);
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[1])
        .sort(),
    ).toEqual(records.map((r) => r.id).sort());
  });

  it('fails with the usage exit code on a bad format or range', async () => {
    const bad = await runAi([
      'analytics',
      'export',
      '--organization',
      'org-cli',
      '--format',
      'docx',
      '--out',
      path.join(dir, 'x'),
      '--from',
      '2026-01-01',
      '--to',
      '2026-01-02',
      '--json',
    ]);
    expect(bad.exitCode).toBe(2);
    expect(bad.json()).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT' } });
    const range = await runAi([
      'analytics',
      'export',
      '--organization',
      'org-cli',
      '--out',
      path.join(dir, 'y'),
      '--from',
      '2026-02-01',
      '--to',
      '2026-01-01',
    ]);
    expect(range.exitCode).toBe(2);
    expect(range.stderr).toMatch(/filter.to: must be after from/);
    const rebuild = await runAi(['analytics', 'rebuild', '--from', 'yesterday']);
    expect(rebuild.exitCode).toBe(2);
  });
});
