/**
 * Rollups on the real database chain: counted in batches from the inbox (events shuffled,
 * delivered twice, through the registered listeners) they equal a rebuild from the immutable
 * records, and their totals equal the cost records to the nano-dollar. A rebuild racing live
 * events, a batch dying between counting and confirming, and a rebuild dying mid-replacement all
 * end where purely incremental counting would.
 */
import { MongoClient, type Db } from 'mongodb';
import type { DatabaseHandle } from '../../src/db/chain';
import { MongoCostRecordStore, toCostRecordDoc } from '../../src/costs/mongo-cost-stores';
import { createEvent, type DomainEvent } from '../../src/events';
import type { EventBus } from '../../src/events/bus';
import type { CostRecord } from '../../src/costs/cost-record';
import {
  MongoAnalyticsSources,
  type AnalyticsSources,
  type TimeRange,
} from '../../src/analytics/rollups/analytics-sources';
import { registerAnalyticsListeners } from '../../src/analytics/rollups/listeners';
import { RollupService } from '../../src/analytics/rollups/rollup-service';
import { sumMetrics } from '../../src/analytics/rollups/metrics';
import { factsFromCostRecord } from '../../src/analytics/rollups/record-facts';
import { factDeltas } from '../../src/analytics/rollups/facts';
import type { RollupDelta } from '../../src/analytics/rollups/facts';
import { FakeClock } from '../../src/shared/clock';
import { startTestDatabase } from '../helpers/db';
import { seedCostRecords, seededRecord, type SeedOptions } from './seed-records';

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
  type Handler = (e: DomainEvent, ctx: never) => Promise<void>;
  type BatchHandler = (e: DomainEvent[], ctx: never) => Promise<void>;
  const handlers = new Map<string, Handler>();
  const batchHandlers = new Map<string, BatchHandler>();
  const bus = {
    listen(o: { event: string; handle: Handler; handleBatch?: BatchHandler }) {
      handlers.set(o.event, o.handle);
      if (o.handleBatch) batchHandlers.set(o.event, o.handleBatch);
    },
  } as unknown as EventBus;
  const ctx = { idempotencyKey: 'k', attempt: 1, logger: { debug: () => undefined } } as never;
  return {
    bus,
    deliver: (e: DomainEvent) => handlers.get(e.name)!(e, ctx),
    deliverBatch: (es: DomainEvent[]) => batchHandlers.get(es[0]!.name)!(es, ctx),
  };
}

function costCalculated(r: CostRecord, id = `cc_${r.id}`) {
  return createEvent(
    'CostCalculated',
    {
      organizationId: r.organizationId,
      projectId: r.projectId,
      userId: r.userId,
      usageEventId: r.usageEventId,
      costRecordId: r.id,
      amountUsd: '0.1',
      priced: true,
    },
    { id },
  );
}

/** Rollups as comparable values (ids and metrics), without storage details. */
const comparable = (rows: RollupDelta[]) =>
  rows.map((r) => ({ id: r.id, metrics: r.metrics })).sort((a, b) => a.id.localeCompare(b.id));

/** What the rollups must be: every record folded once, computed without the database. */
function expectedTotals(records: CostRecord[]) {
  const deltas = records.flatMap((r) => factsFromCostRecord(r, null).flatMap(factDeltas));
  return sumMetrics(
    deltas
      .filter((d) => d.scope === 'ORG' && d.granularity === 'DAY' && d.dimension === 'TOTAL')
      .map((d) => d.metrics),
  );
}

async function orgTotals(service: RollupService, org: string) {
  const rows = await service.store.all(org);
  return sumMetrics(
    rows
      .filter((r) => r.scope === 'ORG' && r.granularity === 'DAY' && r.dimension === 'TOTAL')
      .map((r) => r.metrics),
  );
}

/** Inserts more records for an organisation (as the cost job would) and returns them. */
async function insertRecords(o: SeedOptions, from: number, count: number): Promise<CostRecord[]> {
  const rows = Array.from({ length: count }, (_, j) => seededRecord(o, from + j));
  await db
    .collection<{ _id: string }>('usage_events')
    .insertMany(rows.map(({ event: { id, ...rest } }) => ({ _id: id, ...rest })));
  await db.collection<{ _id: string }>('cost_records').insertMany(rows.map((r) => toCostRecordDoc(r.record)));
  return rows.map((r) => r.record);
}

describe('analytics rollups on the database', () => {
  it('batched incremental rollups equal a rebuild, and totals equal the cost records', async () => {
    const org = 'org-rollups';
    const records = await seedCostRecords(db, {
      organizationId: org,
      count: 200,
      from: new Date('2026-03-01T00:00:00Z'),
      days: 5,
      failEvery: 7,
    });
    const sources = new MongoAnalyticsSources(db);
    const service = new RollupService(db, sources, clock, { batchSize: 64 });
    await service.ensureIndexes();
    const { bus, deliver } = directBus();
    let drainRequests = 0;
    registerAnalyticsListeners(bus, service, sources, async () => {
      drainRequests += 1;
    });

    // Deliver every CostCalculated in a scrambled order, a third of them twice, plus tool calls.
    const order = records.map((_, i) => (i * 7919) % records.length);
    for (const i of [...order, ...order.filter((i) => i % 3 === 0)])
      await deliver(costCalculated(records[i]!));
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
    // Only first deliveries ask for a drain; duplicates are already queued.
    expect(drainRequests).toBe(220);
    expect(await service.store.all(org)).toEqual([]);

    const drained = await service.drain();
    expect(drained.applied).toBe(220);
    expect(drained.batches).toBe(Math.ceil(220 / 64));
    // A second delivery after counting adds nothing.
    await deliver(costCalculated(records[0]!, 'again'));
    expect((await service.drain()).applied).toBe(0);

    const incremental = await service.store.all(org);
    const totals = await orgTotals(service, org);
    const stored = await new MongoCostRecordStore(db).find({ organizationId: org });
    expect(totals.requests).toBe(200);
    expect(totals.costNano).toBe(stored.reduce((s, r) => s + r.cost.total, 0n));
    expect(totals.tokens.output).toBe(stored.reduce((s, r) => s + r.usage.output, 0));
    expect(totals.errors).toBe(records.filter((_, i) => i % 7 === 0).length);
    expect([totals.toolCalls, totals.toolErrors]).toEqual([20, 5]);
    expect(totals.latencyCount).toBe(200);
    // Time to first token comes from the usage events: every other request was streamed.
    expect(totals.ttftCount).toBe(100);

    const result = await service.rebuild({ organizationId: org });
    expect(result).toMatchObject({
      organizations: 1,
      costRecords: 200,
      toolCalls: 20,
      rollups: incremental.length,
    });
    expect(comparable(await service.store.all(org))).toEqual(comparable(incremental));

    // After a rebuild, late deliveries of already-counted records change nothing.
    await deliver(costCalculated(records[1]!, 'late'));
    await service.drain();
    expect(comparable(await service.store.all(org))).toEqual(comparable(incremental));
    expect((await service.inbox.counts()).pending).toBe(0);
  }, 120_000);

  it('queues a batch of CostCalculated events with one write, ignoring ones already queued', async () => {
    const org = 'org-batch';
    const records = await seedCostRecords(db, {
      organizationId: org,
      count: 30,
      from: new Date('2026-03-04'),
      days: 1,
    });
    const sources = new MongoAnalyticsSources(db);
    const service = new RollupService(db, sources, clock);
    await service.ensureIndexes();
    const { bus, deliverBatch } = directBus();
    let drainRequests = 0;
    registerAnalyticsListeners(bus, service, sources, async () => {
      drainRequests += 1;
    });
    await deliverBatch(records.slice(0, 20).map((r) => costCalculated(r)));
    // Ten already queued, ten new.
    await deliverBatch(records.slice(10).map((r) => costCalculated(r, `again_${r.id}`)));
    await deliverBatch(records.slice(10).map((r) => costCalculated(r, `third_${r.id}`)));
    expect(drainRequests).toBe(2);
    expect((await service.drain()).applied).toBe(30);
    expect((await orgTotals(service, org)).costNano).toBe(expectedTotals(records).costNano);
  });

  it('a rebuild racing live events ends equal to incremental counting', async () => {
    const org = 'org-race';
    const seed: SeedOptions = { organizationId: org, count: 1500, from: new Date('2026-03-01'), days: 6 };
    const first = await insertRecords(seed, 0, 1200);
    const base = new MongoAnalyticsSources(db);
    // The rebuild stops after its first page until the test has fed live events in.
    let releaseRebuild!: () => void;
    const gate = new Promise<void>((r) => (releaseRebuild = r));
    let firstPageRead!: () => void;
    const pageRead = new Promise<void>((r) => (firstPageRead = r));
    const gated: AnalyticsSources = Object.assign(Object.create(base) as AnalyticsSources, {
      async *costRecords(o: string, range: TimeRange) {
        let page = 0;
        for await (const p of base.costRecords(o, range, 400)) {
          yield p;
          page += 1;
          if (page === 1) {
            firstPageRead();
            await gate;
          }
        }
      },
    });
    const service = new RollupService(db, gated, clock, { batchSize: 100 });
    await service.ensureIndexes();
    // Half the existing records were already counted live before the rebuild starts.
    await Promise.all(first.slice(0, 600).map((r) => service.enqueueCostRecord(org, r.id)));
    await service.drain();
    await Promise.all(first.slice(600).map((r) => service.enqueueCostRecord(org, r.id)));

    const rebuilding = service.rebuild({ organizationId: org });
    await pageRead;
    // Live traffic while the rebuild holds the organisation: new records (some in the part of the
    // range already read, some not), their events, duplicates of old ones, and drains.
    const late = [
      // Newer than the page already read: the rebuild does not see them, the queue counts them.
      ...(await insertRecords(seed, 1200, 150)),
      // In the part of the range still to read: the rebuild counts them, their events add nothing.
      ...(await insertRecords({ ...seed, idPrefix: 'early', count: 150, days: 1 }, 0, 150)),
    ];
    await Promise.all(late.map((r) => service.enqueueCostRecord(org, r.id)));
    await Promise.all(first.slice(0, 50).map((r) => service.enqueueCostRecord(org, r.id)));
    const duringRebuild = await service.drain();
    expect(duringRebuild.applied).toBe(0);
    expect((await service.inbox.counts()).pending).toBeGreaterThan(0);
    releaseRebuild();
    await rebuilding;
    await service.drain();

    const all = [...first, ...late];
    const totals = await orgTotals(service, org);
    expect(totals.requests).toBe(1500);
    expect(await service.inbox.collection.countDocuments({ organizationId: org, state: 'applied' })).toBe(
      1500,
    );
    expect(totals.costNano).toBe(expectedTotals(all).costNano);
    // And equal, rollup for rollup, to a rebuild with nothing racing it.
    const afterRace = comparable(await service.store.all(org));
    await new RollupService(db, base, clock).rebuild({ organizationId: org });
    expect(comparable(await service.store.all(org))).toEqual(afterRace);
  }, 120_000);

  it('waits for a batch already counting, and a batch that claimed too late gives its rows back', async () => {
    const org = 'org-fence';
    const seed: SeedOptions = { organizationId: org, count: 40, from: new Date('2026-03-02'), days: 1 };
    const records = await insertRecords(seed, 0, 40);
    const sources = new MongoAnalyticsSources(db);
    const service = new RollupService(db, sources, clock, { waitForBatchesMs: 5_000 });
    await service.ensureIndexes();
    for (const r of records) await service.enqueueCostRecord(org, r.id);

    // A batch elsewhere has claimed 10 rows and is counting them.
    const inFlight = await service.inbox.claim(10, []);
    const rebuilding = service.rebuild({ organizationId: org });
    await new Promise((r) => setTimeout(r, 100));
    expect((await service.control.collection.findOne({ _id: org }))?.state).toBe('rebuilding');
    // It finishes: counts and confirms its rows.
    const byId = new Map(records.map((r) => [r.id, r]));
    await service.store.increment(
      inFlight.rows.flatMap((row) => factsFromCostRecord(byId.get(row.sourceId)!, null).flatMap(factDeltas)),
    );
    await service.inbox.markApplied(
      inFlight.token,
      inFlight.rows.map((r) => r._id),
    );
    await rebuilding;
    expect((await orgTotals(service, org)).requests).toBe(40);

    // A batch that claimed rows just before a rebuild took the organisation hands them back.
    await insertRecords(seed, 40, 5).then((rs) =>
      Promise.all(rs.map((r) => service.enqueueCostRecord(org, r.id))),
    );
    const racing = new RollupService(db, sources, clock);
    const control = racing.control;
    const realPaused = control.pausedOrganizations.bind(control);
    let calls = 0;
    control.pausedOrganizations = async () => {
      calls += 1;
      // The second look (after claiming) sees the rebuild that started in between.
      return calls === 2 ? [org] : realPaused();
    };
    const batch = await racing.applyBatch();
    expect(batch).toMatchObject({ claimed: 5, released: 5, applied: 0 });
    expect((await service.drain()).applied).toBe(5);
    expect((await orgTotals(service, org)).requests).toBe(45);
  }, 60_000);

  it('gives up with a conflict when batches keep counting, and lets live updates go on', async () => {
    const org = 'org-busy';
    const [record] = await seedCostRecords(db, {
      organizationId: org,
      count: 1,
      from: new Date('2026-03-05'),
      days: 1,
    });
    const service = new RollupService(db, new MongoAnalyticsSources(db), clock, { waitForBatchesMs: 200 });
    await service.ensureIndexes();
    await service.enqueueCostRecord(org, record!.id);
    const busy = await service.inbox.claim(10, []);
    await expect(service.rebuild({ organizationId: org })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await service.control.pausedOrganizations()).not.toContain(org);
    await service.inbox.release(
      busy.token,
      busy.rows.map((r) => r._id),
    );
    expect((await service.drain()).applied).toBe(1);
  });

  it('repairs a batch that died between counting and confirming', async () => {
    const org = 'org-repair';
    const records = await seedCostRecords(db, {
      organizationId: org,
      count: 30,
      from: new Date('2026-03-02T00:00:00Z'),
      days: 2,
    });
    const local = new FakeClock('2026-03-10T00:00:00Z');
    const service = new RollupService(db, new MongoAnalyticsSources(db), local, { leaseMs: 60_000 });
    await service.ensureIndexes();
    for (const r of records) await service.enqueueCostRecord(org, r.id);
    // The batch claims everything, counts half of it, and dies before confirming.
    const dead = await service.inbox.claim(100, []);
    const byId = new Map(records.map((r) => [r.id, r]));
    await service.store.increment(
      dead.rows
        .slice(0, 15)
        .flatMap((row) => factsFromCostRecord(byId.get(row.sourceId)!, null).flatMap(factDeltas)),
    );
    // Until the lease runs out nobody touches its rows.
    expect((await service.drain()).repairedOrganizations).toBe(0);
    local.advance(61_000);
    expect((await service.drain()).repairedOrganizations).toBe(1);
    expect((await orgTotals(service, org)).costNano).toBe(expectedTotals(records).costNano);
    expect((await service.inbox.counts()).claimed).toBe(0);
  });

  it('redoes a rebuild that died while replacing, and refuses a second concurrent rebuild', async () => {
    const org = 'org-abandoned';
    const records = await seedCostRecords(db, {
      organizationId: org,
      count: 20,
      from: new Date('2026-03-03T00:00:00Z'),
      days: 1,
    });
    const local = new FakeClock('2026-03-10T00:00:00Z');
    const service = new RollupService(db, new MongoAnalyticsSources(db), local, { rebuildLeaseMs: 30_000 });
    await service.ensureIndexes();
    await service.rebuild({ organizationId: org });
    const good = comparable(await service.store.all(org));

    // A rebuild holds the organisation: a second one is refused.
    const hold = await service.control.pause(org, {
      from: new Date('2026-03-03'),
      to: new Date('2026-03-04'),
    });
    await expect(service.rebuild({ organizationId: org })).rejects.toMatchObject({ code: 'CONFLICT' });
    // It dies half-way through replacing: the day's rollups are gone.
    await service.control.renew(hold, 'replacing');
    await service.store.collection.deleteMany({ organizationId: org });
    // While its lease runs, the organisation stays paused and nobody repairs it.
    expect((await service.drain()).repairedOrganizations).toBe(0);
    expect(await service.control.pausedOrganizations()).toContain(org);
    local.advance(31_000);
    expect((await service.drain()).repairedOrganizations).toBe(1);
    expect(comparable(await service.store.all(org))).toEqual(good);
    expect((await orgTotals(service, org)).costNano).toBe(expectedTotals(records).costNano);
    expect(await service.control.pausedOrganizations()).not.toContain(org);
  });

  it('retries rows whose record cannot be read yet, then parks them as orphaned', async () => {
    const local = new FakeClock('2026-03-10T00:00:00Z');
    const service = new RollupService(db, new MongoAnalyticsSources(db), local);
    await service.ensureIndexes();
    await service.enqueueCostRecord('org-missing', 'no-such-record');
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const batch = await service.applyBatch();
      expect(batch).toMatchObject({ claimed: 1, missing: 1, applied: 0 });
      expect((await service.applyBatch()).claimed).toBe(0);
      local.advance(301_000);
    }
    const row = await service.inbox.collection.findOne({ _id: 'record:no-such-record' });
    expect(row).toMatchObject({ state: 'orphaned', attempts: 10 });
  });

  it('rebuilds every organisation when none is named', async () => {
    const service = new RollupService(db, new MongoAnalyticsSources(db), clock);
    const progress: number[] = [];
    const result = await service.rebuild({ onProgress: (n) => progress.push(n) });
    expect(result.organizations).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)).toBe(result.costRecords);
  }, 120_000);
});
