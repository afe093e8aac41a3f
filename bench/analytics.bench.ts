/**
 * Analytics benchmarks:
 * - events/s: cost records queued in the rollup inbox (what the CostCalculated listener does per
 *   event) and counted by the drain, in batches of 500 against batches of 1 (the old one event per
 *   update) in the same run (target <= 100 ms per event);
 * - usageReport over 1M records / 90 days at daily granularity, served from rollups (target p95
 *   <= 200 ms). The 1M records are folded into rollups in memory with the same code a rebuild uses
 *   and stored; the raw records themselves are not inserted (the report never reads them);
 * - export throughput (rows/s) for CSV, JSON, XLSX and PDF to a discarding stream.
 */
import { Writable } from 'node:stream';
import { MongoClient, type Db } from 'mongodb';
import mongoose from 'mongoose';
import { startDatabase } from '../src/db/chain';
import { createAnalyticsServices } from '../src/analytics/analytics-runtime';
import { parseReportFilter } from '../src/analytics/reports/report-filter';
import { RollupAccumulator } from '../src/analytics/rollups/accumulator';
import { MongoAnalyticsSources } from '../src/analytics/rollups/analytics-sources';
import { RollupService } from '../src/analytics/rollups/rollup-service';
import { factsFromCostRecord } from '../src/analytics/rollups/record-facts';
import { writeExport, type ExportFormat, type ExportRow, type ExportTable } from '../src/exports';
import { FakeClock } from '../src/shared/clock';
import { seedCostRecords, seededRecord } from '../test/analytics/seed-records';
import { sample, type BenchReporter } from './lib';

function sink(): Writable {
  return new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });
}

function* rows(n: number): Generator<ExportRow> {
  for (let i = 0; i < n; i += 1) {
    yield {
      day: new Date(1_767_225_600_000 + i * 1000),
      model: 'gpt-4o',
      requests: i,
      cost: BigInt(i) * 1001n,
    };
  }
}

const columns: ExportTable['columns'] = [
  { key: 'day', header: 'Day', kind: 'date' },
  { key: 'model', header: 'Model', kind: 'string' },
  { key: 'requests', header: 'Requests', kind: 'integer' },
  { key: 'cost', header: 'Cost (USD)', kind: 'money' },
];

export default async function run(report: BenchReporter): Promise<void> {
  const handle = await startDatabase({ dbName: `bench_analytics_${Date.now()}` });
  const client = await MongoClient.connect(handle.uri, { serverMonitoringMode: 'poll' });
  try {
    const db = client.db(handle.dbName);
    const services = createAnalyticsServices(db, new FakeClock('2026-04-01T00:00:00Z'));
    await services.rollups.ensureIndexes();
    report.note(`database tier: ${handle.tier}`);

    // 1. Events per second: queue (per event) and drain (per batch), batches of 1 vs 500.
    const clock = new FakeClock('2026-04-01T00:00:00Z');
    const measureDrain = async (org: string, events: number, batchSize: number) => {
      const rollups = new RollupService(db, new MongoAnalyticsSources(db), clock, { batchSize });
      await rollups.ensureIndexes();
      const seeded = await seedCostRecords(db, {
        organizationId: org,
        count: events,
        from: new Date('2026-03-01T00:00:00Z'),
        days: 3,
      });
      let next = 0;
      const enqueue = await sample(() => rollups.enqueueCostRecord(org, seeded[next++]!.id), events, 0);
      const start = process.hrtime.bigint();
      const drained = await rollups.drain();
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (drained.applied !== events) throw new Error(`drained ${drained.applied} of ${events} events`);
      return { enqueue, perEventMs: ms / events };
    };
    const single = await measureDrain('bench-events-1', 300, 1);
    const batched = await measureDrain('bench-events-500', 5000, 500);
    report.measure('queue one event (listener: inbox insert)', batched.enqueue);
    report.value(
      'rollup events/s, batches of 1 (old path: one update per event)',
      1000 / single.perEventMs,
      'events/s',
    );
    report.value('rollup events/s, batches of 500 (1 worker)', 1000 / batched.perEventMs, 'events/s', {
      target: '<= 100 ms per event',
    });
    report.note(
      `rollup processing per event: ${batched.perEventMs.toFixed(2)} ms batched vs ${single.perEventMs.toFixed(2)} ms one by one`,
    );

    // 2. usageReport over 1M records / 90 days from rollups.
    const count = 1_000_000;
    const from = new Date('2026-01-01T00:00:00Z');
    const acc = new RollupAccumulator();
    const foldStart = process.hrtime.bigint();
    for (let i = 0; i < count; i += 1) {
      const { record } = seededRecord({ organizationId: 'bench-org', count, from, days: 90, users: 50 }, i);
      for (const f of factsFromCostRecord(record, null)) acc.add(f);
    }
    const foldMs = Number(process.hrtime.bigint() - foldStart) / 1e6;
    report.value('rebuild fold of 1M records (in memory)', (count / foldMs) * 1000, 'records/s');
    const written = await services.rollups.store.replaceRange(
      'bench-org',
      { from, to: new Date(from.getTime() + 90 * 86_400_000) },
      acc.values(),
    );
    report.note(`1M records (50 users) over 90 days -> ${written} rollup documents`);
    const filter = parseReportFilter('bench-org', {
      from: '2026-01-01T00:00:00Z',
      to: '2026-04-01T00:00:00Z',
    });
    const oneDay = parseReportFilter('bench-org', {
      from: '2026-01-10T00:00:00Z',
      to: '2026-01-11T00:00:00Z',
    });
    const base = await sample(() => services.reports.usageReport(oneDay, { granularity: 'DAY' }), 30, 5);
    report.measure('usageReport 1 day (baseline)', base);
    const daily = await sample(
      () =>
        services.reports.usageReport(filter, { granularity: 'DAY', top: { dimension: 'MODEL', limit: 10 } }),
      50,
      5,
    );
    report.measure('usageReport 1M records / 90 days, daily + top-N', daily, {
      baseline: 'usageReport 1 day (baseline)',
      target: 'p95 <= 200 ms',
    });
    const topUsers = await sample(
      () =>
        services.reports.usageReport(filter, { granularity: 'DAY', top: { dimension: 'USER', limit: 10 } }),
      30,
      3,
    );
    report.measure('usageReport 90 days, daily + top-10 of 50 users', topUsers, {
      baseline: 'usageReport 1 day (baseline)',
      target: 'p95 <= 200 ms',
    });
    // The previous way of ranking: every daily rollup of every user, in full, summed in JS.
    const oldTop = await sample(
      async () => {
        const rows = await services.rollups.store.find({
          organizationId: 'bench-org',
          scope: 'ORG',
          granularity: 'DAY',
          dimension: 'USER',
          range: { from: filter.from, to: filter.to },
        });
        const byKey = new Map<string, bigint>();
        for (const r of rows) byKey.set(r.key, (byKey.get(r.key) ?? 0n) + r.metrics.costNano);
        return byKey.size;
      },
      10,
      2,
    );
    report.measure('old top-N read: 90 daily rollups per user, full documents', oldTop, {
      baseline: 'usageReport 90 days, daily + top-10 of 50 users',
    });
    const unaligned = parseReportFilter('bench-org', {
      from: '2026-01-01T05:00:00Z',
      to: '2026-03-31T19:00:00Z',
    });
    const edges = await sample(
      () =>
        services.reports.usageReport(unaligned, {
          granularity: 'DAY',
          top: { dimension: 'MODEL', limit: 10 },
        }),
      30,
      3,
    );
    report.measure('usageReport ~90 days with unaligned hours, daily + top-N', edges, {
      baseline: 'usageReport 1 day (baseline)',
      target: 'p95 <= 200 ms',
    });
    const local = await sample(
      () => services.reports.usageReport(filter, { timezone: 'Europe/Paris' }),
      20,
      3,
    );
    report.measure('usageReport 90 days, daily in Europe/Paris (days less boundary hours)', local, {
      baseline: 'usageReport 1 day (baseline)',
    });
    // The server's path: the same services on mongoose's connection (its own driver copy).
    const connection = await mongoose.createConnection(handle.uri, { dbName: handle.dbName }).asPromise();
    try {
      const viaMongoose = createAnalyticsServices(connection.db as unknown as Db, clock);
      const served = await sample(
        () =>
          viaMongoose.reports.usageReport(filter, {
            granularity: 'DAY',
            top: { dimension: 'MODEL', limit: 10 },
          }),
        30,
        3,
      );
      report.measure('usageReport 90 days, daily + top-N, mongoose connection', served, {
        baseline: 'usageReport 1M records / 90 days, daily + top-N',
        target: 'p95 <= 200 ms',
      });
    } finally {
      await connection.close();
    }

    // 3. Export throughput.
    const sizes: Record<ExportFormat, number> = { CSV: 200_000, JSON: 200_000, XLSX: 50_000, PDF: 1_000 };
    for (const format of ['CSV', 'JSON', 'XLSX', 'PDF'] as const) {
      const n = sizes[format];
      const start = process.hrtime.bigint();
      await writeExport(format, { title: 'bench', columns, rows: rows(n) }, sink());
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      report.value(`export ${format} (${n} rows)`, (n / ms) * 1000, 'rows/s');
    }
  } finally {
    await client.close();
    await handle.stop();
  }
}
