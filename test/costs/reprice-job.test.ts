/**
 * Repricing in the background on the real database chain and agenda worker: setModelPrice for an
 * unpriced model returns before anything is repriced; the job then writes one adjustment (the
 * follow-up run writes nothing more) and announces it; a job with a bad payload fails for good.
 */
import type { Db } from 'mongodb';

import { createCostAnnouncer } from '../../src/costs/cost-events';
import type { CostRecord } from '../../src/costs/cost-record';
import { CostTrackingService } from '../../src/costs/cost-tracking-service';
import { MongoCostRecordStore, MongoUsageEventStore } from '../../src/costs/mongo-cost-stores';
import { defineRepriceJob, REPRICE_JOB } from '../../src/costs/reprice-job';
import { createEventSystem, type EventSystem } from '../../src/events';
import { MongoPriceOverrideStore } from '../../src/pricing/mongo-price-override-store';
import { PricingService } from '../../src/pricing/pricing-service';
import { makeUsage } from '../../src/providers/usage/normalised-usage';
import { systemClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { useTestDb } from '../db/support';

let db: Db;
let system: EventSystem;

// Declared first, so the event system stops before the database (hooks run in order).
afterAll(async () => {
  await system?.queue.stop(1000);
});
const ctx = useTestDb();

beforeAll(async () => {
  db = ctx().db;
  system = await createEventSystem({
    db,
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    pollIntervalMs: 100,
    lockLifetimeMs: 5_000,
  });
});

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i += 1) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('returns at once, then the job writes one adjustment and announces it', async () => {
  const costRecords = new MongoCostRecordStore(db);
  const announced: CostRecord[] = [];
  const announce = createCostAnnouncer({ events: system.bus });
  let repriceRuns = 0;
  const costs: CostTrackingService = new CostTrackingService({
    usageEvents: new MongoUsageEventStore(db),
    costRecords,
    pricing: new PricingService(new MongoPriceOverrideStore(db)),
    clock: systemClock,
    announce: async (record) => {
      announced.push(record);
      await announce(record);
    },
    repriceQueue: defineRepriceJob(
      system.queue.agenda,
      async (scope) => {
        repriceRuns += 1;
        return costs.reprice(scope);
      },
      { followUpMs: 300 },
    ),
  });
  const [charge] = await costs.trackBatch([
    {
      id: 'ue_r1',
      organizationId: 'org',
      projectId: 'p1',
      userId: 'u1',
      apiKeyId: 'k1',
      requestId: 'r1',
      conversationId: null,
      messageId: null,
      provider: 'xai',
      model: 'grok-4-0709',
      calls: [
        {
          index: 0,
          usage: makeUsage({ inputUncached: 2_000, output: 1_000 }),
          partial: false,
          usageSource: 'raw',
        },
      ],
      outcome: 'succeeded',
      requestedAt: new Date('2026-01-10T00:00:00Z'),
      latencyMs: 5,
    },
  ]);
  expect(charge).toMatchObject({ status: 'unpriced', unpricedDelta: 1 });

  const result = await costs.setModelPrice('org', {
    provider: 'xai',
    model: 'grok-4-0709',
    inputPerMTok: '3',
    outputPerMTok: '15',
    effectiveFrom: '2026-01-01',
  });
  expect(result).toMatchObject({ repricing: 'queued', adjustments: [] });
  // No worker yet: nothing has been repriced.
  expect(await costRecords.forUsageEvent('ue_r1')).toHaveLength(1);
  expect(await db.collection('agendaJobs').countDocuments({ name: REPRICE_JOB })).toBe(2);

  await system.queue.startWorker();
  const records = await waitFor(
    () => costRecords.forUsageEvent('ue_r1'),
    (rs) => rs.length === 2,
    'the adjustment',
  );
  // 2000 × $3 + 1000 × $15 per MTok = $0.006 + $0.015 = $0.021
  expect(records[1]).toMatchObject({ kind: 'adjustment', adjusts: 'ue_r1', unpricedDelta: -1 });
  expect(records[1]!.cost.total).toBe(21_000_000n);
  await waitFor(
    async () => repriceRuns,
    (n) => n === 2,
    'the follow-up run',
  );
  await waitFor(
    () => db.collection('agendaJobs').countDocuments({ name: REPRICE_JOB }),
    (n) => n === 0,
    'both runs to complete',
  );
  expect(await costRecords.forUsageEvent('ue_r1')).toHaveLength(2);
  expect(announced.map((r) => r.kind)).toEqual(['charge', 'adjustment']);
}, 30_000);

it('fails a job whose payload does not validate, without retrying it', async () => {
  let runs = 0;
  defineRepriceJob(system.queue.agenda, async () => {
    runs += 1;
    return [];
  });
  await system.queue.startWorker();
  await system.queue.agenda.now(REPRICE_JOB, { organizationId: 'org', provider: '' });
  const failed = await waitFor(
    () => db.collection('agendaJobs').findOne({ name: REPRICE_JOB, 'data.provider': '' }),
    (doc) => (doc?.failCount ?? 0) > 0,
    'the job to fail',
  );
  expect(failed?.failReason).toMatch(/provider/);
  expect(failed?.nextRunAt ?? null).toBeNull();
  expect(runs).toBe(0);
  await expect(
    defineRepriceJob(system.queue.agenda, async () => []).enqueue({
      organizationId: '',
      provider: 'x',
      model: 'y',
    }),
  ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
}, 30_000);
