/**
 * Batch listeners on the outbox, on the real database chain: all due events of a drain reach the
 * listener in one call; events with a receipt are not handed over again; a batch that fails is
 * retried event by event, so one bad event is parked while the others complete; a self-idempotent
 * listener runs without receipts; several lanes and racing drains still handle each event once.
 */
import type { Db } from 'mongodb';

import { createEventSystem, type EventSystem } from '../../src/events';
import { createEvent } from '../../src/events/event';
import { defaultRetryPolicy, type RegisteredListener } from '../../src/events/listener';
import { Outbox } from '../../src/events/outbox';
import { ReceiptStore } from '../../src/events/receipts';
import { systemClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { useTestDb } from '../db/support';

let db: Db;
const systems: EventSystem[] = [];

// Declared first, so the event systems stop before the database (hooks run in order).
afterAll(async () => {
  for (const system of systems) await system.queue.stop(1000);
});
const ctx = useTestDb();
beforeAll(() => {
  db = ctx().db;
});

/** A process that queues but does not work: the test drains by hand, so batches are known. */
async function apiProcess(): Promise<EventSystem> {
  const system = await createEventSystem({
    db,
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    pollIntervalMs: 60_000,
    lockLifetimeMs: 5_000,
    name: `batch-test-${systems.length}`,
  });
  systems.push(system);
  return system;
}

const response = (key: string, i: number) =>
  createEvent('ResponseGenerated', {
    organizationId: 'org',
    requestId: `${key}-${i}`,
    usageEventId: `ue_${key}-${i}`,
    provider: 'mock',
    model: 'mock-small',
    usage: { inputUncached: i },
    requestedAt: new Date().toISOString(),
  });

const receipts = (ids: string[]) =>
  db.collection('event_receipts').countDocuments({ _id: { $in: ids } as never });

it('hands all due events to a batch listener at once, with receipts, and skips those with one', async () => {
  const system = await apiProcess();
  const batches: string[][] = [];
  system.bus.listen({
    event: 'ResponseGenerated',
    name: 'batched',
    mode: 'queued',
    handle: () => {
      throw new Error('the batch path should be used');
    },
    handleBatch: async (events) => void batches.push(events.map((e) => e.payload.requestId)),
  });
  const events = Array.from({ length: 50 }, (_, i) => response('a', i));
  await Promise.all(events.map((e) => system.bus.dispatch(e)));
  // One event already handled by an earlier run: its receipt exists.
  await db
    .collection('event_receipts')
    .insertOne({ _id: `batched:${events[0]!.id}` as never, completedAt: new Date() });
  expect(await system.outbox.drain()).toBe(50);
  expect(batches).toHaveLength(1);
  expect(batches[0]).toHaveLength(49);
  expect(batches[0]).not.toContain('a-0');
  expect(await receipts(events.map((e) => `batched:${e.id}`))).toBe(50);
  expect(await system.outbox.drain()).toBe(0);
});

it('retries a failed batch event by event: the bad event is parked, the others complete', async () => {
  const system = await apiProcess();
  const single: string[] = [];
  system.bus.listen({
    event: 'ResponseGenerated',
    name: 'fragile',
    mode: 'queued',
    retry: { maxRetries: 0 },
    handle: (event) => {
      if (event.payload.requestId === 'b-3') throw new Error('cannot handle b-3');
      single.push(event.payload.requestId);
    },
    handleBatch: async () => {
      throw new Error('one event in the batch is bad');
    },
  });
  const events = Array.from({ length: 5 }, (_, i) => response('b', i));
  for (const event of events) await system.bus.dispatch(event);
  expect(await system.outbox.drain()).toBe(5);
  expect(single.sort()).toEqual(['b-0', 'b-1', 'b-2', 'b-4']);
  const bad = await db.collection('event_outbox').findOne({ _id: events[3]!.id as never });
  expect(bad).toMatchObject({ state: 'failed', failed: ['fragile'], lastError: 'cannot handle b-3' });
  expect(bad?.finishedAt).toBeUndefined(); // kept until someone looks at it
  const good = await db.collection('event_outbox').findOne({ _id: events[0]!.id as never });
  expect(good).toMatchObject({ state: 'done', pending: [] });
});

it('runs a self-idempotent batch listener without receipts', async () => {
  const system = await apiProcess();
  let handled = 0;
  system.bus.listen({
    event: 'ResponseGenerated',
    name: 'keyed',
    mode: 'queued',
    selfIdempotent: true,
    handle: () => undefined,
    handleBatch: async (events) => void (handled += events.length),
  });
  const events = Array.from({ length: 10 }, (_, i) => response('c', i));
  for (const event of events) await system.bus.dispatch(event);
  expect(await system.outbox.drain()).toBe(10);
  expect(handled).toBe(10);
  expect(await receipts(events.map((e) => `keyed:${e.id}`))).toBe(0);
  // Finished rows carry the time they finished, which a TTL index expires after the retention.
  const row = await db.collection('event_outbox').findOne({ _id: events[0]!.id as never });
  expect(row?.finishedAt).toBeInstanceOf(Date);
  const ttl = (await db.collection('event_outbox').indexes()).find((i) => i.name === 'finished_ttl');
  expect(ttl).toMatchObject({ key: { finishedAt: 1 }, expireAfterSeconds: 7 * 24 * 3600 });
});

it('parks a stored row that no longer validates instead of handing it to the batch', async () => {
  const system = await apiProcess();
  const seen: string[] = [];
  system.bus.listen({
    event: 'ResponseGenerated',
    name: 'strict-batch',
    mode: 'queued',
    handle: (event) => void seen.push(event.payload.requestId),
    handleBatch: async (events) => void seen.push(...events.map((e) => e.payload.requestId)),
  });
  const good = response('d', 1);
  await system.bus.dispatch(good);
  const broken = response('d', 2);
  await system.bus.dispatch(broken);
  await db
    .collection('event_outbox')
    .updateOne({ _id: broken.id as never }, { $set: { 'event.payload.usage': 'not a record' } });
  expect(await system.outbox.drain()).toBe(2);
  expect(seen).toEqual(['d-1']);
  expect(await db.collection('event_outbox').findOne({ _id: broken.id as never })).toMatchObject({
    state: 'failed',
  });
});

it('drains in several lanes, and with two drains racing, handles every event exactly once', async () => {
  const system = await apiProcess();
  const handled = new Map<string, number>();
  const listener: RegisteredListener = {
    event: 'ResponseGenerated',
    name: 'lanes',
    mode: 'queued',
    selfIdempotent: true,
    handle: () => undefined,
    handleBatch: async (events) => {
      for (const event of events) handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
      // Yield, so the other lanes and the other drain claim while this batch is in hand.
      await new Promise((resolve) => setTimeout(resolve, 1));
    },
    retry: defaultRetryPolicy,
    concurrency: 5,
  };
  // Two processes' outboxes on one collection: small batches, three lanes each.
  const outbox = () => {
    const o = new Outbox({
      db,
      agenda: system.queue.agenda,
      receipts: new ReceiptStore(db),
      logger: createLogger({ level: 'silent' }),
      clock: systemClock,
      batchSize: 7,
      lanes: 3,
      collectionName: 'outbox_lanes',
    });
    o.register(listener);
    return o;
  };
  const [a, b] = [outbox(), outbox()];
  const events = Array.from({ length: 120 }, (_, i) => response('lanes', i));
  for (const event of events.slice(0, 80)) await a.enqueue(event, [listener]);
  // Forty more arrive while both drain.
  const [first, second] = await Promise.all([
    a.drain(),
    b.drain(),
    Promise.all(events.slice(80).map((event) => b.enqueue(event, [listener]))),
  ]);
  // Whatever arrived after both had stopped is left for the next drain (a trigger or the sweep).
  const rest = await a.drain();
  expect(first + second + rest).toBe(120);
  expect([...handled.values()].every((n) => n === 1)).toBe(true);
  expect(handled.size).toBe(120);
  expect(await db.collection('outbox_lanes').countDocuments({ state: 'done' })).toBe(120);
});
