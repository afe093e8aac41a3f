/**
 * The cost-tracking flow on the real database chain, outbox and agenda worker: a message sent
 * through the mock provider becomes exactly one cost record, in async and sync mode; a process
 * that dies between the response and the job loses nothing; a job that fails after writing, or
 * runs twice, counts once.
 */
import { MongoClient, type Db } from 'mongodb';

import { ConversationService } from '../../src/conversations/conversation-service';
import { MongoConversationStore } from '../../src/conversations/mongo-conversation-store';
import {
  createCostAnnouncer,
  registerCostListeners,
  type CostTrackingMode,
} from '../../src/costs/cost-events';
import type { CostRecord } from '../../src/costs/cost-record';
import { CostTrackingService } from '../../src/costs/cost-tracking-service';
import { MongoCostRecordStore, MongoUsageEventStore } from '../../src/costs/mongo-cost-stores';
import type { DatabaseHandle } from '../../src/db/chain';
import { createEventSystem, type EventSystem } from '../../src/events';
import { MongoPriceOverrideStore } from '../../src/pricing/mongo-price-override-store';
import { PricingService } from '../../src/pricing/pricing-service';
import { ChatRunner } from '../../src/providers/chat-runner';
import { loadProvidersConfig } from '../../src/providers/provider-config';
import { ProviderRegistry } from '../../src/providers/provider-registry';
import { systemClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { startTestDatabase } from '../helpers/db';

let handle: DatabaseHandle;
let client: MongoClient;
let db: Db;
const running: EventSystem[] = [];

beforeAll(async () => {
  handle = await startTestDatabase();
  client = new MongoClient(handle.uri);
  await client.connect();
  db = client.db(handle.dbName);
  // $1 input, $0.10 cached, $2 output per MTok for the mock model, so costs are checkable by hand.
  await new PricingService(new MongoPriceOverrideStore(db)).setModelPrice('org', {
    provider: 'mock',
    model: 'mock-small',
    inputPerMTok: '1',
    cachedInputPerMTok: '0.10',
    outputPerMTok: '2',
    effectiveFrom: '2020-01-01',
  });
});

// Each test's processes stop after it, so a later test's jobs are not run by an earlier test's
// worker (whose hooks the later test cannot see).
afterEach(async () => {
  for (const system of running.splice(0)) await system.queue.stop(1000);
});

afterAll(async () => {
  for (const system of running) await system.queue.stop(1000);
  await client?.close();
  await handle?.stop();
});

const member = {
  userId: 'u1',
  organizationId: 'org',
  apiKeyId: 'k1',
  role: 'member' as const,
  projectRoles: { p1: 'member' as const },
};

interface ProcessOptions {
  mode?: CostTrackingMode;
  worker?: boolean;
  /** Fails the announcement (after the record is written) this many times: a crash mid-job. */
  failAnnouncements?: number;
}

async function startProcess(options: ProcessOptions = {}) {
  const system = await createEventSystem({
    db,
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    pollIntervalMs: 100,
    lockLifetimeMs: 2_000,
  });
  running.push(system);
  const registry = new ProviderRegistry(loadProvidersConfig({ PROVIDER_MAX_RETRIES: '0' }));
  const pricing = new PricingService(new MongoPriceOverrideStore(db));
  const costRecords = new MongoCostRecordStore(db);
  const announce = createCostAnnouncer({ events: system.bus });
  let failures = options.failAnnouncements ?? 0;
  let announced = 0;
  const costs = new CostTrackingService({
    usageEvents: new MongoUsageEventStore(db),
    costRecords,
    pricing,
    clock: systemClock,
    announce: async (record) => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('worker died after writing the record');
      }
      await announce(record);
      announced += 1;
    },
  });
  registerCostListeners(system.bus, costs, options.mode ?? 'async');
  if (options.worker !== false) await system.queue.startWorker();
  const conversations = new ConversationService({
    store: new MongoConversationStore(db),
    runner: new ChatRunner(registry),
    costs,
    pricing,
    events: system.bus,
    clock: systemClock,
  });
  return {
    system,
    costs,
    costRecords,
    conversations,
    scripts: registry.mockScripts,
    announced: () => announced,
  };
}

async function waitForRecords(
  store: MongoCostRecordStore,
  usageEventId: string,
  count = 1,
): Promise<CostRecord[]> {
  for (let i = 0; i < 200; i += 1) {
    const records = await store.forUsageEvent(usageEventId);
    if (records.length >= count) return records;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no cost record for ${usageEventId}`);
}

const message = (content: string) => ({ projectId: 'p1', provider: 'mock', model: 'mock-small', content });

it('async: the queued listener writes one record equal to the cost computed by hand', async () => {
  const app = await startProcess();
  app.scripts.enqueue({ text: 'ok', usage: { inputUncached: 2_000, cacheRead: 10_000, output: 300 } });
  const payload = await app.conversations.sendMessage(member, message('hi'), { requestId: 'flow-async' });
  const [record] = await waitForRecords(app.costRecords, 'ue_flow-async');
  // 2000 × $1 + 10000 × $0.10 + 300 × $2 per MTok = 0.002 + 0.001 + 0.0006 = $0.0036
  expect(record?.cost.total).toBe(3_600_000n);
  expect(record?.cost.total).toBe(payload.cost.cost.total);
  expect(record).toMatchObject({ kind: 'charge', requestId: 'flow-async', messageId: payload.message.id });
});

it('sync: the record exists when sendMessage returns', async () => {
  const app = await startProcess({ mode: 'sync', worker: false });
  app.scripts.enqueue({ text: 'ok', usage: { inputUncached: 1_000, output: 1_000 } });
  await app.conversations.sendMessage(member, message('hi'), { requestId: 'flow-sync' });
  const records = await app.costRecords.forUsageEvent('ue_flow-sync');
  expect(records.map((r) => r.cost.total)).toEqual([3_000_000n]); // 1000 × 1 + 1000 × 2 = $0.003
});

it('a process that dies between the response and the job loses nothing', async () => {
  const api = await startProcess({ worker: false });
  api.scripts.enqueue({ text: 'ok', usage: { inputUncached: 500, output: 500 } });
  await api.conversations.sendMessage(member, message('hi'), { requestId: 'flow-crash' });
  await api.system.queue.stop(0); // dies before any worker ran the job
  expect(await api.costRecords.forUsageEvent('ue_flow-crash')).toEqual([]);

  const worker = await startProcess();
  await worker.system.outbox.drain(); // what the periodic sweep does
  const records = await waitForRecords(worker.costRecords, 'ue_flow-crash');
  expect(records.map((r) => r.cost.total)).toEqual([1_500_000n]); // 500 × 1 + 500 × 2
});

it('a job that dies after writing its record is retried and still counts once', async () => {
  const app = await startProcess({ failAnnouncements: 1 });
  app.scripts.enqueue({ text: 'ok', usage: { inputUncached: 100, output: 100 } });
  await app.conversations.sendMessage(member, message('hi'), { requestId: 'flow-retry' });
  await waitForRecords(app.costRecords, 'ue_flow-retry');
  // Let agenda's retry of the failed job announce the record (its backoff can take seconds on a
  // loaded machine), then replay the job by hand as well: still one record.
  for (let i = 0; i < 600 && app.announced() === 0; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(app.announced()).toBe(1);
  await Promise.all([app.costs.trackCost('ue_flow-retry'), app.costs.trackCost('ue_flow-retry')]);
  const records = await app.costRecords.forUsageEvent('ue_flow-retry');
  expect(records.map((r) => r.cost.total)).toEqual([300_000n]);
}, 60_000);
