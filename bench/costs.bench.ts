/**
 * Cost-tracking benchmarks (issue 4, section 7), service level on the database chain (embedded
 * server unless MONGODB_URI is set), the real outbox and agenda worker, and the mock provider at
 * 0 ms. GraphQL/HTTP are not in these numbers (they are the same for both modes).
 * - request overhead of sendMessage: default async tracking vs COST_TRACKING_MODE=sync, measured
 *   interleaved in the same run, with the bare provider call as the floor ("excluding the provider");
 * - response -> CostRecord stored, in async mode;
 * - throughput: sustained sendMessage/s with tracking on for COSTS_BENCH_SECONDS (default 60),
 *   with the outbox backlog sampled through the run, three times on the embedded tier: all on one
 *   thread, with the embedded server on a worker thread (npm start's default), and with the
 *   database in its own process (`npm run db`), as production runs mongod;
 * - where the time goes: database commands per request on each side (request path, job), and
 *   each stage of the request path and of the job timed on its own.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

import { MongoClient } from 'mongodb';

import { ConversationService } from '../src/conversations/conversation-service';
import { InMemoryConversationStore } from '../src/conversations/conversation-store';
import { MongoConversationStore } from '../src/conversations/mongo-conversation-store';
import { createCostAnnouncer, registerCostListeners, type CostTrackingMode } from '../src/costs/cost-events';
import { CostTrackingService } from '../src/costs/cost-tracking-service';
import { responseGeneratedFor } from '../src/costs/response-event';
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
import { storedMessage } from '../test/fixtures/messages';
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

type EventSystem = Awaited<ReturnType<typeof createEventSystem>>;

/** Waits until the background worker has nothing left to do. */
async function settleWorker(system: EventSystem): Promise<void> {
  while ((await system.outbox.collection.countDocuments({ state: 'pending' })) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await new Promise((resolve) => setTimeout(resolve, 3));
}

/** Everything one process of the platform runs for sendMessage, on the database at `uri`. */
async function buildStack(uri: string, dbName: string) {
  const client = new MongoClient(uri, { monitorCommands: true });
  const commands = new Map<string, number>();
  client.on('commandStarted', (e) => {
    const target = (e.command as Record<string, unknown>)[e.commandName];
    const key = `${e.commandName} ${typeof target === 'string' ? target : ''}`.trim();
    commands.set(key, (commands.get(key) ?? 0) + 1);
  });
  await client.connect();
  const db = client.db(dbName);
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
  return {
    runner,
    pricing,
    costs,
    store,
    system,
    commands,
    stored,
    asyncService: service(system.bus),
    syncService: service(syncSystem.bus),
    async stop() {
      await system.queue.stop(5_000);
      await syncSystem.queue.stop(1_000);
      await client.close();
    },
  };
}

/** The database on its own, as production runs mongod: `npm run db` in a child process. */
async function databaseProcess(): Promise<{ uri: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../src/db/cli.ts')], {
    env: { ...process.env, DB_MODE: 'embedded', MONGODB_URI: '', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^MONGODB_URI=(.+)$/m.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`npm run db exited with ${code}`)));
  });
  return { uri: line, stop: () => child.kill('SIGTERM') };
}

export default async function run(report: BenchReporter): Promise<void> {
  const database = await startDatabase({ dbName: `bench_costs_${Date.now()}`, logger });
  const stack = await buildStack(database.uri, database.dbName);
  const { runner, pricing, costs, store, system, commands, stored, asyncService, syncService } = stack;

  try {
    // 1. Request overhead, interleaved so both modes see the same machine state.
    const iterations = Number(process.env.COSTS_BENCH_REQUESTS ?? 300);
    const provider: number[] = [];
    const asyncTimes: number[] = [];
    const syncTimes: number[] = [];
    // Each round starts with the background worker idle and one untimed warm-up call, then times
    // the provider alone and both modes back to back, alternating which mode goes first. Async's
    // drain waits OUTBOX_LINGER_MS (10 ms) before it starts, which is longer than the round, so
    // neither mode is charged for the other's queued work (the job's own cost is a stage below;
    // the throughput runs carry both together).
    const settle = () => settleWorker(system);
    const providerCall = () =>
      runner.generate({ provider: 'mock', model: 'mock-small', messages: [{ role: 'user', content: 'hi' }] });
    const timed = async (samples: number[], fn: () => Promise<unknown>) => {
      const t = now();
      await fn();
      samples.push(now() - t);
    };
    for (let i = 0; i < 30; i += 1) {
      await asyncService.sendMessage(caller, input(i));
      await syncService.sendMessage(caller, input(i));
    }
    for (let i = 0; i < iterations; i += 1) {
      await settle();
      await providerCall();
      await timed(provider, providerCall);
      const asyncRun = () => timed(asyncTimes, () => asyncService.sendMessage(caller, input(i)));
      const syncRun = () => timed(syncTimes, () => syncService.sendMessage(caller, input(i)));
      for (const step of i % 2 === 0 ? [asyncRun, syncRun] : [syncRun, asyncRun]) await step();
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
        'Both modes pay one write round after the provider answers (the conversation, the question and the ' +
        'answer, in parallel; the stage rows below time it) and the displayed price (cached). Async adds the ' +
        'outbox row carrying the usage event to that round; sync adds the tracking itself after it: the usage ' +
        'event, the charges read, the cost record and its announcement. The code of the request path without a ' +
        'database is a stage row too: nearly all of the async overhead is that one write round, which both ' +
        'modes share, so 85% would need the conversation writes to cost a sixth of tracking.',
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

    // 3. Where the time goes.
    await stages(report, { asyncService, store, costs, pricing, system, commands, runner });

    // 4. Sustained throughput with tracking on: first as the process started above (with the
    // embedded tier, API, worker and database share one thread), then with the embedded server on a
    // worker thread (npm start's default), then with the database in its own process, which is how
    // production runs (mongod, or `npm run db`).
    const shape =
      database.tier === 'embedded'
        ? 'one process: API, worker and embedded database on one thread'
        : `database tier ${database.tier}`;
    await throughput(report, asyncService, system.outbox.collection, shape);
    if (database.tier === 'embedded') {
      // npm start's default: the embedded server on a worker thread of the same process.
      const threaded = await startDatabase({
        mode: 'embedded',
        dbName: 'bench_costs_thread',
        logger,
        embeddedThread: true,
      });
      await throughputOn(
        report,
        threaded.uri,
        'thread',
        'one process, embedded server on its own thread (npm start)',
      );
      await threaded.stop();
      const separate = await databaseProcess();
      await throughputOn(
        report,
        separate.uri,
        'process',
        'database in its own process (npm run db), API and worker in this one',
      );
      separate.stop();
    }
  } finally {
    await stack.stop();
    await database.stop();
  }
}

interface StageDeps {
  asyncService: ConversationService;
  store: MongoConversationStore;
  costs: CostTrackingService;
  pricing: PricingService;
  system: EventSystem;
  commands: Map<string, number>;
  runner: ChatRunner;
}

/** Database commands per request, then each stage of the request path and the job on its own. */
async function stages(report: BenchReporter, deps: StageDeps): Promise<void> {
  const { asyncService, store, costs, pricing, system, commands, runner } = deps;
  const settle = () => settleWorker(system);
  // Commands per request, request path and job together (the worker runs), until the outbox is empty.
  const n = 200;
  commands.clear();
  for (let i = 0; i < n; i += 1) {
    await asyncService.sendMessage(caller, input(i), { requestId: `count-${i}` });
  }
  while ((await system.outbox.collection.countDocuments({ state: 'pending' })) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const perRequest = [...commands.entries()]
    .filter(([k]) => !k.startsWith('count event_outbox'))
    .map(([k, v]) => `${k} ${(v / n).toFixed(2)}`);
  report.note(
    `database commands per sendMessage (request path and job, sequential requests): ${perRequest.join(', ')}`,
  );

  // Each request-path stage alone.
  // A stage that returns a number timed itself (to leave its set-up out).
  const time = async (fn: (i: number) => Promise<unknown>, count = 300) => {
    const samples: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const t = now();
      const own = await fn(i);
      samples.push(typeof own === 'number' ? own : now() - t);
    }
    return samples;
  };
  const at = new Date();
  const message = (i: number, role: 'user' | 'assistant') =>
    storedMessage({
      id: `stage-${role}-${i}`,
      conversationId: `stage-conv-${i}`,
      role,
      content: 'hello',
      createdAt: at,
    });
  const usageEvent = (i: number, prefix: string) => ({
    id: `ue_${prefix}-${i}`,
    organizationId: 'org',
    projectId: 'p1',
    userId: 'u1',
    apiKeyId: 'k1',
    requestId: `${prefix}-${i}`,
    conversationId: `stage-conv-${i}`,
    messageId: `stage-assistant-${i}`,
    provider: 'mock',
    model: 'mock-small',
    calls: [
      {
        index: 0,
        usage: { inputUncached: 10, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 5, reasoning: 0 },
        partial: false,
        usageSource: 'raw' as const,
      },
    ],
    outcome: 'succeeded' as const,
    requestedAt: at,
    latencyMs: 1,
  });
  // The request path's code with no database at all: in-memory conversations, events dropped.
  const bare = new ConversationService({
    store: new InMemoryConversationStore(),
    runner,
    costs,
    pricing,
    events: { dispatch: async () => undefined, listen: () => undefined },
    clock: systemClock,
  });
  report.measure(
    'stage: sendMessage without a database (in-memory store, events dropped)',
    await time((i) => bare.sendMessage(caller, input(i))),
  );
  report.measure(
    'stage: the write round (conversation, question + answer, outbox row, in parallel)',
    await time(async (i) => {
      await settle();
      const t = now();
      await Promise.all([
        store.create({
          id: `stage-conv-${i}`,
          organizationId: 'org',
          projectId: 'p1',
          userId: 'u1',
          title: 'hello',
          createdAt: at,
          updatedAt: at,
        }),
        store.addMessages([message(i, 'user'), message(i, 'assistant')]),
        system.bus.dispatch(responseGeneratedFor(usageEvent(i, 'stage'), at)),
      ]);
      return now() - t;
    }),
  );
  report.measure(
    'stage: displayed price (organisation prices cached)',
    await time(() =>
      pricing.resolvePrice({ organizationId: 'org', provider: 'mock', model: 'mock-small', at }),
    ),
  );
  // The job: a batch of 200 usage events priced and stored, per event.
  const perEvent: number[] = [];
  for (let b = 0; b < 10; b += 1) {
    const batch = Array.from({ length: 200 }, (_, i) => usageEvent(b * 200 + i, 'job'));
    const t = now();
    await costs.trackBatch(batch);
    perEvent.push((now() - t) / batch.length);
  }
  report.measure('stage: job, trackBatch of 200 events (per event)', perEvent);
}

/** The throughput run on a fresh stack against another database. */
async function throughputOn(
  report: BenchReporter,
  uri: string,
  label: 'thread' | 'process',
  shape: string,
): Promise<void> {
  const stack = await buildStack(uri, `bench_costs_${label}_${Date.now()}`);
  try {
    await throughput(report, stack.asyncService, stack.system.outbox.collection, shape, label);
  } finally {
    await stack.stop();
  }
}

async function throughput(
  report: BenchReporter,
  asyncService: ConversationService,
  outbox: { countDocuments(filter: object): Promise<number> },
  shape: string,
  variant?: 'thread' | 'process',
): Promise<void> {
  const seconds = Number(process.env.COSTS_BENCH_SECONDS ?? 60);
  const concurrency = Number(process.env.COSTS_BENCH_CONCURRENCY ?? 32);
  const backlog = () => outbox.countDocuments({ state: 'pending' });
  const label = variant
    ? variant === 'thread'
      ? ' (embedded server on its own thread)'
      : ' (database in its own process)'
    : '';
  try {
    const deadline = now() + seconds * 1000;
    let done = 0;
    // The backlog every tenth of the run: growing means the worker is falling behind.
    const samples: number[] = [];
    const sampler = setInterval(() => void backlog().then((n) => samples.push(n)), (seconds * 1000) / 10);
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        for (let i = 0; now() < deadline; i += 1) {
          await asyncService.sendMessage(caller, input(i), {
            requestId: `tp-${shape.length}-${worker}-${i}`,
          });
          done += 1;
        }
      }),
    );
    clearInterval(sampler);
    const atEnd = await backlog();
    const stopped = now();
    while ((await backlog()) > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const cleared = now() - stopped;
    report.value(`sustained sendMessage/s with async tracking${label}`, Math.round(done / seconds), 'req/s', {
      target: '>= 1000/s on 2 cores',
    });
    report.value(`outbox backlog at the end${label}`, atEnd, 'events', { target: 'not growing' });
    report.note(
      `throughput, ${shape}: ${done} requests in ${seconds} s at concurrency ${concurrency}; ` +
        `backlog every ${seconds / 10} s: ${samples.join(', ')}; at the end ${atEnd}, cleared ${Math.round(cleared)} ms after the load stopped.`,
    );
  } catch (error) {
    report.note(`throughput run (${shape}) failed: ${(error as Error).message}`);
  }
}
