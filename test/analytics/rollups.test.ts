/**
 * Rollups on the real database chain: applied incrementally (shuffled, delivered twice, via the
 * registered listeners) they equal a rebuild from the immutable records, and their totals equal
 * the cost records to the nano-dollar.
 */
import { MongoClient, type Db } from 'mongodb';
import type { DatabaseHandle } from '../../src/db/chain';
import { MongoCostRecordStore } from '../../src/costs/mongo-cost-stores';
import { createEvent, type DomainEvent } from '../../src/events';
import type { EventBus } from '../../src/events/bus';
import { MongoAnalyticsSources } from '../../src/analytics/rollups/analytics-sources';
import { registerAnalyticsListeners } from '../../src/analytics/rollups/listeners';
import { RollupService } from '../../src/analytics/rollups/rollup-service';
import { sumMetrics } from '../../src/analytics/rollups/metrics';
import { FakeClock } from '../../src/shared/clock';
import { startTestDatabase } from '../helpers/db';
import { seedCostRecords } from './seed-records';

let handle: DatabaseHandle;
let client: MongoClient;
let db: Db;
const clock = new FakeClock('2026-03-10T00:00:00Z');

beforeAll(async () => {
  handle = await startTestDatabase();
  client = await MongoClient.connect(handle.uri);
  db = client.db(handle.dbName);
});
afterAll(async () => {
  await client?.close();
  await handle?.stop();
});

/** A bus that runs each registered handler directly, as the job runner would. */
function directBus() {
  const handlers = new Map<string, (e: DomainEvent, ctx: never) => Promise<void>>();
  const bus = {
    listen(o: { event: string; handle: (e: DomainEvent, ctx: never) => Promise<void> }) {
      handlers.set(o.event, o.handle);
    },
  } as unknown as EventBus;
  const ctx = { idempotencyKey: 'k', attempt: 1, logger: { debug: () => undefined } } as never;
  return { bus, deliver: (e: DomainEvent) => handlers.get(e.name)!(e, ctx) };
}

describe('analytics rollups on the database', () => {
  it('incremental rollups equal a rebuild, and totals equal the cost records', async () => {
    const org = 'org-rollups';
    const records = await seedCostRecords(db, {
      organizationId: org,
      count: 200,
      from: new Date('2026-03-01T00:00:00Z'),
      days: 5,
      failEvery: 7,
    });
    const sources = new MongoAnalyticsSources(db);
    const service = new RollupService(db, sources, clock);
    await service.ensureIndexes();
    const { bus, deliver } = directBus();
    registerAnalyticsListeners(bus, service, sources);

    // Deliver every CostCalculated in a scrambled order, a third of them twice, plus tool calls.
    const order = records.map((_, i) => (i * 7919) % records.length);
    for (const i of [...order, ...order.filter((i) => i % 3 === 0)]) {
      const r = records[i]!;
      await deliver(
        createEvent(
          'CostCalculated',
          {
            organizationId: org,
            projectId: r.projectId,
            userId: r.userId,
            usageEventId: r.usageEventId,
            costRecordId: r.id,
            amountUsd: '0.1',
            priced: true,
          },
          { id: `cc_${r.id}` },
        ),
      );
    }
    for (let t = 0; t < 20; t += 1) {
      const event = createEvent(
        'MCPToolExecuted',
        {
          organizationId: org,
          requestId: records[t]!.requestId,
          server: 's',
          tool: 'x',
          durationMs: 5,
          isError: t % 4 === 0,
        },
        { id: `tool-${t}`, occurredAt: records[t]!.requestedAt },
      );
      await deliver(event);
      await deliver(event);
    }
    // A tool call nobody can be attributed to is ignored.
    await deliver(createEvent('MCPToolExecuted', { server: 's', tool: 'x', durationMs: 1, isError: false }));

    const incremental = await service.store.all(org);
    const orgDays = incremental.filter(
      (r) => r.scope === 'ORG' && r.granularity === 'DAY' && r.dimension === 'TOTAL',
    );
    const totals = sumMetrics(orgDays.map((r) => r.metrics));
    const stored = await new MongoCostRecordStore(db).find({ organizationId: org });
    expect(totals.requests).toBe(200);
    expect(totals.costNano).toBe(stored.reduce((s, r) => s + r.cost.total, 0n));
    expect(totals.tokens.output).toBe(stored.reduce((s, r) => s + r.usage.output, 0));
    expect(totals.errors).toBe(records.filter((_, i) => i % 7 === 0).length);
    expect([totals.toolCalls, totals.toolErrors]).toEqual([20, 5]);
    expect(totals.latencyCount).toBe(200);

    const result = await service.rebuild({ organizationId: org });
    expect(result).toMatchObject({
      organizations: 1,
      costRecords: 200,
      toolCalls: 20,
      rollups: incremental.length,
    });
    const rebuilt = await service.store.all(org);
    expect(rebuilt).toEqual(incremental);

    // After a rebuild, late deliveries of already-counted records change nothing.
    await deliver(
      createEvent(
        'CostCalculated',
        {
          organizationId: org,
          usageEventId: records[0]!.usageEventId,
          costRecordId: records[0]!.id,
          amountUsd: '0.1',
          priced: true,
        },
        { id: 'late' },
      ),
    );
    expect(await service.store.all(org)).toEqual(incremental);
  }, 120_000);

  it('repairs a record whose earlier attempt died between counting and confirming', async () => {
    const org = 'org-repair';
    const [record] = await seedCostRecords(db, {
      organizationId: org,
      count: 3,
      from: new Date('2026-03-02T00:00:00Z'),
      days: 1,
    });
    const service = new RollupService(db, new MongoAnalyticsSources(db), clock);
    await service.rebuild({ organizationId: org });
    const before = await service.store.all(org);
    // Simulate the crash: ledger left 'applying' after the $inc may or may not have landed.
    await db
      .collection('analytics_ledger')
      .updateOne({ _id: `record:${record!.id}` as never }, { $set: { state: 'applying' } });
    expect(await service.applyCostRecord(record!.usageEventId, record!.id)).toBe('repaired');
    expect(await service.store.all(org)).toEqual(before);
    expect(await service.applyCostRecord(record!.usageEventId, 'nope')).toBe('missing');
  });

  it('rebuilds every organisation when none is named', async () => {
    const service = new RollupService(db, new MongoAnalyticsSources(db), clock);
    const progress: number[] = [];
    const result = await service.rebuild({ onProgress: (n) => progress.push(n) });
    expect(result.organizations).toBeGreaterThanOrEqual(2);
    expect(result.costRecords).toBe(203);
    expect(progress.at(-1)).toBe(203);
  });
});
