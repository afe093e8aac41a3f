/**
 * Cost-tracking benchmarks (issue 4, section 7), service level on the database chain (embedded
 * server unless MONGODB_URI is set), the real outbox and agenda worker, and the mock provider at
 * 0 ms. GraphQL/HTTP are not in these numbers (they are the same for both modes).
 * - request overhead of sendMessage: default async tracking vs COST_TRACKING_MODE=sync, measured
 *   interleaved in the same run, with the bare provider call as the floor ("excluding the provider");
 * - response -> CostRecord stored, in async mode;
 * - throughput: sustained sendMessage/s with tracking on for COSTS_BENCH_SECONDS (default 60),
 *   and the outbox backlog left at the end.
 */
import { MongoClient } from 'mongodb';

import { ConversationService } from '../src/conversations/conversation-service';
import { MongoConversationStore } from '../src/conversations/mongo-conversation-store';
import { createCostAnnouncer, registerCostListeners, type CostTrackingMode } from '../src/costs/cost-events';
import { CostTrackingService } from '../src/costs/cost-tracking-service';
import { MongoCostRecordStore, MongoUsageEventStore } from '../src/costs/mongo-cost-stores';
import { startDatabase } from '../src/db/chain';
import { createEventSystem } from '../src/events';
import { MongoPriceOverrideStore } from '../src/pricing/mongo-price-override-store';
import { PricingService } from '../src/pricing/pricing-service';
import { ChatRunner } from '../src/providers/chat-runner';
import { loadProvidersConfig } from '../src/providers/provider-config';
import { ProviderRegistry } from '../src/providers/provider-registry';
import { systemClock } from '../src/shared/clock';
import { createLogger } from '../src/shared/logger';
import type { BenchReporter } from './lib';

const now = () => Number(process.hrtime.bigint()) / 1e6;
const logger = createLogger({ level: 'silent' });
const caller = {
  userId: 'u1',
  organizationId: 'org',
  apiKeyId: 'k1',
  role: 'admin' as const,
  projectRoles: {},
};
const input = (i: number) => ({
  projectId: 'p1',
  provider: 'mock',
  model: 'mock-small',
  content: `hello ${i}`,
});

export default async function run(report: BenchReporter): Promise<void> {
  const database = await startDatabase({ dbName: `bench_costs_${Date.now()}`, logger });
  const client = new MongoClient(database.uri);
  await client.connect();
  const db = client.db(database.dbName);
  const system = await createEventSystem({
    db,
    logger,
    clock: systemClock,
    pollIntervalMs: 1000,
    lockLifetimeMs: 60_000,
  });
  const registry = new ProviderRegistry(
    loadProvidersConfig({ MOCK_PROVIDER: 'on', PROVIDER_MAX_RETRIES: '0' }),
  );
  const runner = new ChatRunner(registry);
  const pricing = new PricingService(new MongoPriceOverrideStore(db));
  await pricing.setModelPrice('org', {
    provider: 'mock',
    model: 'mock-small',
    inputPerMTok: '1',
    outputPerMTok: '2',
    effectiveFrom: '2020-01-01',
  });
  const costRecords = new MongoCostRecordStore(db);
  await costRecords.ensureIndexes();
  const stored = new Map<string, number>();
  const announce = createCostAnnouncer({ events: system.bus });
  const costs = new CostTrackingService({
    usageEvents: new MongoUsageEventStore(db),
    costRecords,
    pricing,
    clock: systemClock,
    announce: async (record) => {
      stored.set(record.requestId, now());
      await announce(record);
    },
  });
  const store = new MongoConversationStore(db);
  await store.ensureIndexes();
  registerCostListeners(system.bus, costs, 'async');
  await system.queue.startWorker();

  // The sync baseline runs the same listener inline on a bus without the queued one.
  const syncSystem = await createEventSystem({
    db,
    logger,
    clock: systemClock,
    pollIntervalMs: 1000,
    lockLifetimeMs: 60_000,
    name: 'bench-sync',
  });
  registerCostListeners(syncSystem.bus, costs, 'sync' satisfies CostTrackingMode);
  const service = (events: typeof system.bus) =>
    new ConversationService({ store, runner, costs, pricing, events, clock: systemClock });
  const asyncService = service(system.bus);
  const syncService = service(syncSystem.bus);

  try {
    // 1. Request overhead, interleaved so both modes see the same machine state.
    const iterations = Number(process.env.COSTS_BENCH_REQUESTS ?? 300);
    const provider: number[] = [];
    const asyncTimes: number[] = [];
    const syncTimes: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      await asyncService.sendMessage(caller, input(i));
      await syncService.sendMessage(caller, input(i));
    }
    for (let i = 0; i < iterations; i += 1) {
      let t = now();
      await runner.generate({
        provider: 'mock',
        model: 'mock-small',
        messages: [{ role: 'user', content: 'hi' }],
      });
      provider.push(now() - t);
      t = now();
      await asyncService.sendMessage(caller, input(i));
      asyncTimes.push(now() - t);
      t = now();
      await syncService.sendMessage(caller, input(i));
      syncTimes.push(now() - t);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const floor = median(provider);
    report.measure('mock provider call alone (floor)', provider);
    const sync = report.measure('sendMessage, COST_TRACKING_MODE=sync', syncTimes);
    const asyncRow = report.measure('sendMessage, async tracking (default)', asyncTimes, {
      baseline: 'sendMessage, COST_TRACKING_MODE=sync',
      target: 'overhead >= 85% lower than sync at p50',
    });
    const asyncOverhead = asyncRow.median - floor;
    const syncOverhead = sync.median - floor;
    report.value(
      'overhead reduction at p50 (async vs sync, provider excluded)',
      Math.round((1 - asyncOverhead / syncOverhead) * 100),
      '%',
      {
        target: '>= 85 %',
      },
    );
    report.note(
      `p50 overhead excluding the provider: async ${asyncOverhead.toFixed(2)} ms, sync ${syncOverhead.toFixed(2)} ms. ` +
        'Both modes pay the conversation writes (conversation, two messages) and the inline price for the payload; ' +
        'async adds the usage event and the outbox row, sync adds the usage event, the price lookup and the cost record.',
    );

    // 2. Response -> CostRecord stored (async).
    const lag: number[] = [];
    for (let i = 0; i < Math.min(iterations, 200); i += 1) {
      const requestId = `lag-${i}`;
      await asyncService.sendMessage(caller, input(i), { requestId });
      const returned = now();
      while (!stored.has(requestId)) await new Promise((resolve) => setImmediate(resolve));
      lag.push((stored.get(requestId) as number) - returned);
    }
    report.measure('response -> CostRecord stored (async)', lag, { target: 'p95 <= 50 ms' });

    // 3. Sustained throughput with tracking on.
    await throughput(report, asyncService, system.outbox.collection, database.tier);
  } finally {
    await system.queue.stop(5_000);
    await syncSystem.queue.stop(1_000);
    await client.close();
    await database.stop();
  }
}

async function throughput(
  report: BenchReporter,
  asyncService: ConversationService,
  outbox: { countDocuments(filter: object): Promise<number> },
  tier: string,
): Promise<void> {
  const seconds = Number(process.env.COSTS_BENCH_SECONDS ?? 60);
  const concurrency = Number(process.env.COSTS_BENCH_CONCURRENCY ?? 32);
  try {
    const deadline = now() + seconds * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let i = 0; now() < deadline; i += 1) {
          await asyncService.sendMessage(caller, input(i), { requestId: `tp-${worker}-${i}` });
          done += 1;
        }
      }),
    );
    report.value('sustained sendMessage/s with async tracking', Math.round(done / seconds), 'req/s', {
      target: '>= 1000/s on 2 cores',
    });
    report.value('outbox backlog at the end', await outbox.countDocuments({ state: 'pending' }), 'events', {
      target: 'not growing',
    });
    report.note(
      `throughput: ${done} requests in ${seconds} s at concurrency ${concurrency}; database tier ${tier}.`,
    );
  } catch (error) {
    report.note(`throughput run failed: ${(error as Error).message}`);
  }
}
