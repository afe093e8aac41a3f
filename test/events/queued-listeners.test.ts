/**
 * Queued listeners on the real agenda worker and database: notified pick-up,
 * validation at queue and run time, retries with backoff, idempotency, the outbox
 * for hot events, and recovery from a worker killed mid-job.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createEvent } from '../../src/events/event';
import { jobNameFor } from '../../src/events/job-delivery';
import { startTestApp, type TestApp } from '../helpers/app';
import { recordEffect } from './fixtures/effects';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const toolEvent = (tool: string) =>
  createEvent('MCPToolExecuted', { server: 'fs', tool, durationMs: 5, isError: false });
const responseEvent = (i: number) =>
  createEvent('ResponseGenerated', {
    organizationId: 'org',
    requestId: `req-${i}`,
    usageEventId: `usage-${i}`,
    provider: 'mock',
    model: 'mock-1',
    usage: { input: i, output: 1 },
    requestedAt: new Date().toISOString(),
  });

async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const db = () => app.runtime.db;
const receipt = async (key: string) =>
  (await db().collection<{ _id: string }>('event_receipts').findOne({ _id: key })) !== null;

describe('queued listeners', () => {
  it('run in the worker soon after dispatch, with the validated event', async () => {
    const seen: string[] = [];
    app.runtime.events.listen({
      event: 'MCPToolExecuted',
      name: 'collect',
      mode: 'queued',
      handle: (event) => void seen.push(event.payload.tool),
    });
    await app.runtime.events.dispatch(toolEvent('read_file'));
    await waitUntil(() => seen.length === 1, 10_000, 'the queued listener');
    expect(seen).toEqual(['read_file']);
  });

  it('refuse an invalid payload when queued', async () => {
    await expect(
      app.runtime.events.dispatch({ ...toolEvent('x'), payload: { server: 'fs' } } as never),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('fail a job whose stored payload no longer validates, without retrying it', async () => {
    const handled: string[] = [];
    app.runtime.events.listen({
      event: 'MCPToolExecuted',
      name: 'strict',
      mode: 'queued',
      handle: (e) => void handled.push(e.id),
    });
    const name = jobNameFor({ event: 'MCPToolExecuted', name: 'strict' });
    await app.runtime.eventSystem.queue.agenda.now(name, {
      event: { ...toolEvent('x'), payload: { server: 'fs', tool: 'x', durationMs: -1, isError: false } },
    });
    await waitUntil(
      async () => {
        const stored = await db().collection('agendaJobs').findOne({ name });
        return (stored?.failCount ?? 0) >= 1;
      },
      10_000,
      'the job to fail',
    );
    const stored = await db().collection('agendaJobs').findOne({ name });
    expect(stored?.failReason).toMatch(/durationMs/);
    expect(stored?.nextRunAt).toBeNull();
    expect(handled).toEqual([]);
  });

  it('retry with backoff until they succeed, and count once', async () => {
    let attempts = 0;
    app.runtime.events.listen({
      event: 'MCPToolExecuted',
      name: 'flaky',
      mode: 'queued',
      retry: { maxRetries: 3, initialDelayMs: 50, maxDelayMs: 100 },
      handle: async (event, ctx) => {
        attempts += 1;
        await recordEffect(db(), ctx.idempotencyKey, event.payload.tool);
        if (attempts < 3) throw new Error(`transient failure ${attempts}`);
      },
    });
    const event = toolEvent('flaky');
    await app.runtime.events.dispatch(event);
    await waitUntil(() => receipt(`flaky:${event.id}`), 15_000, 'the flaky listener to succeed');
    expect(attempts).toBe(3);
    expect(
      await db()
        .collection('test_effects')
        .countDocuments({ _id: `flaky:${event.id}` as never }),
    ).toBe(1);
  });

  it('run once when the same event is dispatched twice', async () => {
    const runs: string[] = [];
    app.runtime.events.listen({
      event: 'MCPToolExecuted',
      name: 'once',
      mode: 'queued',
      handle: (e) => void runs.push(e.id),
    });
    const event = toolEvent('twice');
    await app.runtime.events.dispatch(event);
    await app.runtime.events.dispatch(event);
    await waitUntil(() => receipt(`once:${event.id}`), 10_000, 'the listener');
    await app.runtime.events.dispatch(event); // after completion: the receipt stops it
    await new Promise((r) => setTimeout(r, 500));
    expect(runs).toEqual([event.id]);
  });
});

describe('the outbox for hot events', () => {
  it('delivers every ResponseGenerated exactly once, in batches', async () => {
    const seen = new Map<string, number>();
    app.runtime.events.listen({
      event: 'ResponseGenerated',
      name: 'tally',
      mode: 'queued',
      handle: (event) => void seen.set(event.id, (seen.get(event.id) ?? 0) + 1),
    });
    const events = Array.from({ length: 300 }, (_, i) => responseEvent(i));
    // The first event twice: the duplicate is absorbed by the outbox's id.
    const ids = events.map((e) => e.id);
    // The first event twice: the duplicate is absorbed by the outbox's id.
    await Promise.all([...events, events[0]!].map((e) => app.runtime.events.dispatch(e)));
    await waitUntil(
      async () =>
        seen.size === events.length &&
        // Other features listen to ResponseGenerated too: only this listener's work is checked.
        (await db()
          .collection('event_outbox')
          .countDocuments({ _id: { $in: ids } as never, pending: 'tally' })) === 0,
      20_000,
      'all outbox events',
    );
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const jobs = await db().collection('agendaJobs').countDocuments({ name: 'events:outbox-drain' });
    // Far fewer drain jobs than events: the trigger coalesces.
    expect(jobs).toBeLessThan(50);
    expect(
      await db()
        .collection('event_receipts')
        .countDocuments({ _id: { $in: ids.map((id) => `tally:${id}`) } as never }),
    ).toBe(events.length);
  });

  it('retries a failing outbox listener and then parks the event as failed', async () => {
    let calls = 0;
    app.runtime.events.listen({
      event: 'ResponseGenerated',
      name: 'broken',
      mode: 'queued',
      retry: { maxRetries: 1, initialDelayMs: 50, maxDelayMs: 50 },
      handle: () => {
        calls += 1;
        throw new Error('always fails');
      },
    });
    const event = responseEvent(9999);
    await app.runtime.events.dispatch(event);
    await waitUntil(
      async () =>
        (
          await db()
            .collection('event_outbox')
            .findOne({ _id: event.id as never })
        )?.failed?.includes('broken') === true,
      15_000,
      'the event to be parked',
    );
    const row = await db()
      .collection('event_outbox')
      .findOne({ _id: event.id as never });
    // Parked for this listener; other features' listeners of the event carry on independently.
    expect(row?.failed).toEqual(['broken']);
    expect(row?.pending).not.toContain('broken');
    expect(calls).toBe(2);
  });
});

describe('a worker killed mid-job', () => {
  it('has its job re-run by another worker once the lock expires, with effect once', async () => {
    // The API side: queues jobs, runs none.
    const api = await startTestApp({ worker: false });
    const child = spawn(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), join(__dirname, 'fixtures', 'crashing-worker.ts')],
      {
        env: { ...process.env, TEST_DB_URI: api.database.uri, TEST_DB_NAME: api.database.dbName },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    let recovery: TestApp | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        child.on('exit', () => reject(new Error('worker exited before it was ready')));
      });
      api.runtime.events.listen({
        event: 'MCPToolExecuted',
        name: 'crashy',
        mode: 'queued',
        handle: () => undefined,
      });
      const event = toolEvent('crash');
      await api.runtime.events.dispatch(event);
      expect(await exited).toBe('SIGKILL');
      const key = `crashy:${event.id}`;
      const adb = api.runtime.db;
      expect(
        (await adb.collection<{ _id: string; runs: number }>('test_invocations').findOne({ _id: key }))?.runs,
      ).toBe(1);
      expect(await adb.collection('event_receipts').countDocuments({ _id: key as never })).toBe(0);

      // A healthy worker with a short lock lifetime takes over the abandoned job.
      recovery = await startTestApp({ database: api.database, env: { JOB_LOCK_LIFETIME_MS: '1000' } });
      const rdb = recovery.runtime.db;
      recovery.runtime.events.listen({
        event: 'MCPToolExecuted',
        name: 'crashy',
        mode: 'queued',
        handle: (e, ctx) => recordEffect(rdb, ctx.idempotencyKey, e.payload.tool),
      });
      await waitUntil(
        async () => (await rdb.collection('event_receipts').countDocuments({ _id: key as never })) === 1,
        20_000,
        'the recovered job',
      );
      expect(
        (await rdb.collection<{ _id: string; runs: number }>('test_invocations').findOne({ _id: key }))?.runs,
      ).toBe(2);
      expect(await rdb.collection('test_effects').countDocuments({ _id: key as never })).toBe(1);
    } finally {
      child.kill('SIGKILL');
      await recovery?.stop();
      await api.stop();
    }
  }, 60_000);
});
