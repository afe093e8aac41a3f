/**
 * A slow listener, a slow job, a slow MCP call and a slow provider, each on the real
 * database chain: each shows up in the right metrics, fires exactly one
 * PerformanceThresholdExceeded per cooldown (stored, dispatched and published), and is
 * named by a recommendation. Time is a FakeClock: the "slow" parts advance it, so no
 * test sleeps or asserts on wall time.
 */
import { EventEmitter } from 'node:events';
import { MongoClient, type Db } from 'mongodb';
import { createEventSystem, createEvent, type EventSystem } from '../../src/events';
import type { DatabaseHandle } from '../../src/db/chain';
import { MonitoringService } from '../../src/monitoring/monitoring-service';
import { defaultThresholds } from '../../src/monitoring/thresholds';
import type { ChatRunner, ChatRequest, ChatStreamEvent } from '../../src/providers/chat-runner';
import { createAppPubSub } from '../../src/pubsub/pubsub';
import { FakeClock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import { startTestDatabase } from '../helpers/db';
import type { McpServerStartRecord, McpToolCallRecord } from '../../src/mcp/registry/types';
import type { PerformanceAlert } from '../../src/monitoring/alert-store';

let database: DatabaseHandle;
let client: MongoClient;
let db: Db;
let events: EventSystem;
const logger = createLogger({ level: 'silent' });
// In the future on purpose: the database's TTL monitor runs on real time, and would delete
// cooldowns, alerts and buckets dated in the past in the middle of a test.
const clock = new FakeClock('2036-03-02T10:00:00.000Z');
const pubsub = createAppPubSub();
let monitoring: MonitoringService;
const dispatched: string[] = [];
const published: PerformanceAlert[] = [];
let stopAlerts = () => undefined as void;

/** A monitoring service on this file's database, bus and clock (settings shared by every test). */
function monitoringService(extra: { timer?: () => number } = {}): MonitoringService {
  return new MonitoringService({
    db,
    clock,
    logger,
    events: events.bus,
    pubsub,
    thresholds: { ...defaultThresholds, cooldownMs: 15 * 60_000, windowMs: 5 * 60_000 },
    retentionMs: 7 * 86_400_000,
    bucketMs: 60_000,
    slowResolverMs: 50,
    ...extra,
  });
}

beforeAll(async () => {
  database = await startTestDatabase();
  client = new MongoClient(database.uri, { monitorCommands: true });
  await client.connect();
  db = client.db(database.dbName);
  events = await createEventSystem({ db, logger, clock, pollIntervalMs: 200, lockLifetimeMs: 10_000 });
  // Durations follow the fake clock, so a handler that advances it is "slow".
  monitoring = monitoringService({ timer: () => clock.now().getTime() });
  await monitoring.ensureIndexes();
  monitoring.observeAgenda(events.queue.agenda);
  monitoring.observeMongoClient(client);
  events.bus.listen({
    event: 'PerformanceThresholdExceeded',
    name: 'recordAlerts',
    mode: 'inline',
    handle: (event) =>
      void dispatched.push(`${event.payload.metric}|${event.payload.subject}|${event.payload.severity}`),
  });
  const alerts = pubsub.subscribe('performanceAlert', 'system');
  stopAlerts = () => void alerts.return?.();
  void (async () => {
    for await (const alert of alerts) published.push(alert);
  })();
  await events.queue.startWorker();
});

afterAll(async () => {
  stopAlerts();
  await monitoring?.stop();
  await events?.queue.stop(1000);
  await client?.close();
  await database?.stop?.();
});

const alertsFor = (metric: string, subject: string) =>
  db.collection('performance_alerts').countDocuments({ metric, subject });

async function expectOneAlertPerCooldown(metric: string, subject: string, again: () => Promise<void>) {
  const first = await monitoring.tick();
  expect(first.filter((a) => a.metric === metric && a.subject === subject)).toHaveLength(1);
  // Still slow within the cooldown: no second alert.
  await again();
  clock.advance(60_000);
  const second = await monitoring.tick();
  expect(second.filter((a) => a.subject === subject)).toHaveLength(0);
  expect(await alertsFor(metric, subject)).toBe(1);
  expect(dispatched.filter((d) => d.startsWith(`${metric}|${subject}|`))).toHaveLength(1);
  expect(published.filter((a) => a.metric === metric && a.subject === subject)).toHaveLength(1);
}

/** Moves past every window and cooldown so one scenario's samples don't leak into the next. */
function nextScenario() {
  clock.advance(60 * 60_000);
}

describe('a slow listener', () => {
  it('is measured, alerts once per cooldown and is named by a recommendation', async () => {
    const bus = monitoring.observeBus(events.bus);
    bus.listen({
      event: 'MCPToolExecuted',
      name: 'slowAudit',
      mode: 'inline',
      handle: () => clock.advance(400), // 8x the 50 ms listener threshold
    });
    const dispatch = () =>
      events.bus.dispatch(
        createEvent(
          'MCPToolExecuted',
          { server: 's', tool: 't', durationMs: 1, isError: false },
          { occurredAt: clock.now() },
        ),
      );
    await dispatch();
    const report = await monitoring.performance({ components: ['listener', 'event_dispatch'] });
    const listener = report.slowest.find((s) => s.component === 'listener');
    expect(listener).toMatchObject({ subject: 'MCPToolExecuted.slowAudit', count: 1, p95Ms: 400 });
    expect(report.slowest.find((s) => s.component === 'event_dispatch')?.p95Ms).toBe(0);

    await expectOneAlertPerCooldown('listener', 'MCPToolExecuted.slowAudit', dispatch);
    const [alert] = await monitoring.recentAlerts(1);
    expect(alert).toMatchObject({ severity: 'CRITICAL', value: 400, threshold: 50 });

    const recs = monitoring.recommendations(15);
    expect(recs.find((r) => r.subject === 'MCPToolExecuted.slowAudit')?.evidence).toMatch(/p95 400 ms/);

    // After the cooldown, a still-slow listener alerts again: once.
    clock.advance(15 * 60_000);
    await dispatch();
    expect((await monitoring.tick()).filter((a) => a.subject === 'MCPToolExecuted.slowAudit')).toHaveLength(
      1,
    );
    expect(await alertsFor('listener', 'MCPToolExecuted.slowAudit')).toBe(2);
    nextScenario();
  });
});

describe('a slow job', () => {
  it('records wait and run time per job name, alerts once and is recommended', async () => {
    const { agenda } = events.queue;
    agenda.define('reports:build', async () => {
      clock.advance(3000); // 6x the 500 ms job threshold
    });
    const done = () => new Promise<void>((resolve) => agenda.once('complete:reports:build', () => resolve()));
    const run = async () => {
      const finished = done();
      await agenda.now('reports:build', {});
      await finished;
    };
    await run();
    const report = await monitoring.performance({ components: ['job_run', 'job_wait'] });
    expect(report.slowest.find((s) => s.component === 'job_run')).toMatchObject({
      subject: 'reports:build',
      count: 1,
      p95Ms: 3000,
    });
    expect(report.slowest.find((s) => s.component === 'job_wait')?.subject).toBe('reports:build');
    await expectOneAlertPerCooldown('job_run', 'reports:build', run);
    expect(monitoring.recommendations(15).map((r) => r.id)).toContain('job-run:reports:build');
    nextScenario();
  });

  it('counts failures by code and retries, and reads the backlog from the job collection', async () => {
    const { agenda } = events.queue;
    let attempts = 0;
    agenda.define(
      'flaky',
      async () => {
        attempts += 1;
        if (attempts === 1) throw Object.assign(new Error('boom'), { code: 'PROVIDER_TIMEOUT' });
      },
      { backoff: () => 1 },
    );
    const succeeded = new Promise<void>((resolve) => agenda.once('success:flaky', () => resolve()));
    await agenda.now('flaky', {});
    await succeeded;
    const run = (await monitoring.performance({ components: ['job_run'] })).slowest.find(
      (s) => s.subject === 'flaky',
    );
    expect(run).toMatchObject({ count: 2, errors: 1, errorsByCode: { PROVIDER_TIMEOUT: 1 } });
    expect(monitoring.instruments.retriesOf('flaky')).toBe(1);

    // Three due jobs nobody runs (not defined here) are the backlog; the oldest is 2 minutes old.
    const now = clock.now();
    await db.collection('agendaJobs').insertMany(
      [0, 1, 2].map((i) => ({
        name: 'orphan',
        data: {},
        type: 'normal',
        priority: 0,
        nextRunAt: new Date(now.getTime() - i * 60_000),
      })),
    );
    const states = await monitoring.refreshQueueState();
    expect(states.find((s) => s.job === 'orphan')).toEqual({
      job: 'orphan',
      backlog: 3,
      running: 0,
      failed: 0,
      oldestPendingAgeMs: 120_000,
    });
    // It keeps growing for the configured minutes: one backlog alert.
    for (let i = 0; i < 11; i += 1) {
      clock.advance(60_000);
      await db
        .collection('agendaJobs')
        .insertOne({ name: 'orphan', data: {}, type: 'normal', priority: 0, nextRunAt: clock.now() });
      await monitoring.refreshQueueState();
    }
    const fired = await monitoring.tick();
    expect(fired.filter((a) => a.metric === 'queue_backlog_growing' && a.subject === 'orphan')).toHaveLength(
      1,
    );
    expect((await monitoring.tick()).filter((a) => a.subject === 'orphan')).toHaveLength(0);
    await db.collection('agendaJobs').deleteMany({ name: 'orphan' });
    nextScenario();
  });
});

describe('a slow MCP call', () => {
  it('is measured per server and tool, alerts at once but once per cooldown, and suggests max_concurrent or HTTP', async () => {
    const registry = new EventEmitter<{
      toolCalled: [McpToolCallRecord];
      serverStarted: [McpServerStartRecord];
    }>();
    monitoring.observeMcpRegistry(registry);
    const call = async () => {
      registry.emit('toolCalled', {
        server: 'search',
        tool: 'web',
        durationMs: 1600,
        argumentBytes: 10,
        isError: false,
      });
      await monitoring.idle();
    };
    await call();
    // The single slow call alerted at once, before any tick: stored, dispatched, published.
    expect(await alertsFor('mcp_call', 'search.web')).toBe(1);
    const [alert] = await monitoring.recentAlerts(1);
    expect(alert).toMatchObject({
      metric: 'mcp_call',
      subject: 'search.web',
      value: 1600,
      threshold: 500,
      severity: 'HIGH',
      sampleCount: 1,
      windowMs: 0,
    });
    expect(dispatched).toContain('mcp_call|search.web|HIGH');
    expect(published.filter((a) => a.subject === 'search.web')).toHaveLength(1);
    registry.emit('toolCalled', {
      server: 'search',
      tool: 'web',
      durationMs: 30,
      argumentBytes: 10,
      isError: false,
      errorCode: 'MCP_TIMEOUT',
    });
    const series = (await monitoring.performance({ subjectContains: 'SEARCH' })).slowest[0];
    expect(series).toMatchObject({
      component: 'mcp_call',
      subject: 'search.web',
      count: 2,
      p95Ms: 1600,
      errorsByCode: { MCP_TIMEOUT: 1 },
    });
    // The window's p95 is over the threshold too, and more slow calls come: same cooldown, no new alert.
    await call();
    expect((await monitoring.tick()).filter((a) => a.subject === 'search.web')).toHaveLength(0);
    await call();
    clock.advance(60_000);
    expect((await monitoring.tick()).filter((a) => a.subject === 'search.web')).toHaveLength(0);
    expect(await alertsFor('mcp_call', 'search.web')).toBe(1);
    expect(dispatched.filter((d) => d.startsWith('mcp_call|search.web|'))).toHaveLength(1);
    expect(published.filter((a) => a.subject === 'search.web')).toHaveLength(1);
    // A fast call never alerts on its own.
    registry.emit('toolCalled', {
      server: 'search',
      tool: 'quick',
      durationMs: 20,
      argumentBytes: 2,
      isError: false,
    });
    await monitoring.idle();
    expect(await alertsFor('mcp_call', 'search.quick')).toBe(0);
    const rec = monitoring.recommendations(15).find((r) => r.id === 'mcp:search');
    expect(rec?.action).toMatch(/max_concurrent for MCP server "search"/);
    expect(rec?.evidence).toMatch(/search\.web p95 1600 ms/);
    // After the cooldown, the next slow call alerts again: once.
    clock.advance(15 * 60_000);
    await call();
    await call();
    expect(await alertsFor('mcp_call', 'search.web')).toBe(2);
    nextScenario();
  });

  it('alerts once for a burst of slow calls across two processes, with one claim round trip each', async () => {
    const other = monitoringService();
    const mine = new EventEmitter<{
      toolCalled: [McpToolCallRecord];
      serverStarted: [McpServerStartRecord];
    }>();
    const theirs = new EventEmitter<{
      toolCalled: [McpToolCallRecord];
      serverStarted: [McpServerStartRecord];
    }>();
    monitoring.observeMcpRegistry(mine);
    other.observeMcpRegistry(theirs);
    const claims = [
      jest.spyOn(monitoring.alerts, 'claimCooldown'),
      jest.spyOn(other.alerts, 'claimCooldown'),
    ];
    try {
      const slow: McpToolCallRecord = {
        server: 'burst',
        tool: 'go',
        durationMs: 900,
        argumentBytes: 2,
        isError: false,
      };
      for (let i = 0; i < 20; i += 1) {
        mine.emit('toolCalled', slow);
        theirs.emit('toolCalled', slow);
      }
      await Promise.all([monitoring.idle(), other.idle()]);
      expect(await alertsFor('mcp_call', 'burst.go')).toBe(1);
      expect(claims.map((c) => c.mock.calls.length)).toEqual([1, 1]);
      // The process that lost the claim asks the database again only after a while, not per call.
      clock.advance(30_000);
      theirs.emit('toolCalled', slow);
      await other.idle();
      expect(claims[1]!.mock.calls.length).toBe(1);
      clock.advance(31_000);
      theirs.emit('toolCalled', slow);
      await other.idle();
      expect(claims[1]!.mock.calls.length).toBe(2);
      expect(await alertsFor('mcp_call', 'burst.go')).toBe(1);
    } finally {
      for (const c of claims) c.mockRestore();
      await other.stop();
    }
    nextScenario();
  });

  it('logs a slow-call alert the database refused, and alerts on the next slow call', async () => {
    const registry = new EventEmitter<{
      toolCalled: [McpToolCallRecord];
      serverStarted: [McpServerStartRecord];
    }>();
    monitoring.observeMcpRegistry(registry);
    const claim = jest
      .spyOn(monitoring.alerts, 'claimCooldown')
      .mockRejectedValueOnce(new Error('database unavailable'));
    const warn = jest.spyOn(logger, 'warn');
    try {
      const slow: McpToolCallRecord = {
        server: 'flaky',
        tool: 'db',
        durationMs: 800,
        argumentBytes: 2,
        isError: false,
      };
      registry.emit('toolCalled', slow); // the caller is never failed by monitoring
      await monitoring.idle();
      expect(warn).toHaveBeenCalledWith(
        expect.objectContaining({ err: expect.any(Error) }),
        'slow MCP call alert failed',
      );
      expect(await alertsFor('mcp_call', 'flaky.db')).toBe(0);
      registry.emit('toolCalled', slow);
      await monitoring.idle();
      expect(await alertsFor('mcp_call', 'flaky.db')).toBe(1);
    } finally {
      claim.mockRestore();
      warn.mockRestore();
    }
    nextScenario();
  });

  it('records startup time per server, failed starts by code', async () => {
    const registry = new EventEmitter<{
      toolCalled: [McpToolCallRecord];
      serverStarted: [McpServerStartRecord];
    }>();
    monitoring.observeMcpRegistry(registry);
    registry.emit('serverStarted', {
      server: 'files',
      transport: 'stdio',
      durationMs: 2400,
      ok: true,
      restart: false,
    });
    registry.emit('serverStarted', {
      server: 'files',
      transport: 'stdio',
      durationMs: 10_000,
      ok: false,
      errorCode: 'MCP_TIMEOUT',
      restart: true,
    });
    registry.emit('serverStarted', {
      server: 'remote',
      transport: 'http',
      durationMs: 90,
      ok: false,
      restart: false,
    });
    const report = await monitoring.performance({ components: ['mcp_startup'] });
    expect(report.components).toEqual([
      expect.objectContaining({ component: 'mcp_startup', count: 3, errors: 2, series: 2 }),
    ]);
    const files = report.slowest.find((s) => s.subject === 'files');
    expect(files).toMatchObject({ count: 2, p50Ms: 2400, maxMs: 10_000, errorsByCode: { MCP_TIMEOUT: 1 } });
    // A failed start without a code is still counted as a failure.
    expect(report.slowest.find((s) => s.subject === 'remote')?.errorsByCode).toEqual({
      MCP_SERVER_UNAVAILABLE: 1,
    });
    nextScenario();
  });
});

describe('a slow provider', () => {
  it('records latency, time to first token and errors, alerts once and suggests prompt caching', async () => {
    const fake = {
      async generate(request: ChatRequest) {
        clock.advance(45_000);
        if (request.model === 'broken') throw Object.assign(new Error('down'), { code: 'PROVIDER_ERROR' });
        return { provider: request.provider, model: request.model, text: 'ok' };
      },
      async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent, unknown> {
        clock.advance(8000);
        yield { type: 'text-delta', text: 'he' };
        clock.advance(40_000);
        yield { type: 'text-delta', text: 'llo' };
        return { provider: request.provider, model: request.model, text: 'hello' };
      },
    } as unknown as ChatRunner;
    const runner = monitoring.instrumentChatRunner(fake);
    const request = (model: string): ChatRequest => ({ provider: 'openai', model, messages: [] });
    await runner.generate(request('gpt-slow'));
    await expect(runner.generate(request('broken'))).rejects.toMatchObject({ code: 'PROVIDER_ERROR' });
    const deltas: string[] = [];
    for await (const e of runner.stream(request('gpt-slow')))
      if (e.type === 'text-delta') deltas.push(e.text);
    expect(deltas).toEqual(['he', 'llo']);

    const report = await monitoring.performance({ components: ['provider_latency', 'provider_ttft'] });
    const latency = report.slowest.find(
      (s) => s.subject === 'openai/gpt-slow' && s.component === 'provider_latency',
    );
    expect(latency).toMatchObject({ count: 2, p50Ms: 45_000, maxMs: 48_000 });
    expect(report.slowest.find((s) => s.component === 'provider_ttft')).toMatchObject({
      subject: 'openai/gpt-slow',
      p95Ms: 8000,
    });
    expect(report.slowest.find((s) => s.subject === 'openai/broken')?.errorsByCode).toEqual({
      PROVIDER_ERROR: 1,
    });

    await expectOneAlertPerCooldown('provider_latency', 'openai/gpt-slow', async () => {
      await runner.generate(request('gpt-slow'));
    });
    const rec = monitoring.recommendations(15).find((r) => r.id === 'provider:openai/gpt-slow');
    expect(rec?.action).toMatch(/prompt caching/);
    expect(rec?.evidence).toMatch(/time to first token p95 8000 ms/);
    nextScenario();
  });
});

describe('database commands and persistence', () => {
  it('times driver commands by command and collection, and keeps closed buckets with a TTL', async () => {
    await db.collection('widgets').insertOne({ a: 1 });
    await db.collection('widgets').find({ a: 1 }).toArray();
    const report = await monitoring.performance({ components: ['db_command'], subjectContains: 'widgets' });
    expect(report.slowest.map((s) => s.subject).sort()).toEqual(['find widgets', 'insert widgets']);

    clock.advance(2 * 60_000);
    expect(await monitoring.flushBuckets()).toBeGreaterThan(0);
    const trend = (await monitoring.performance({ trendHours: 2, subjectContains: 'widgets' })).trend;
    expect(trend.map((p) => p.subject).sort()).toEqual(['find widgets', 'insert widgets']);
    const ttl = (await db.collection('performance_buckets').indexes()).find((i) => i.key.expiresAt === 1);
    expect(ttl?.expireAfterSeconds).toBe(0);
    const bucket = await db.collection('performance_buckets').findOne({ subject: 'find widgets' });
    expect((bucket?.expiresAt as Date).getTime() - (bucket?.bucketStart as Date).getTime()).toBe(
      7 * 86_400_000,
    );
    // Flushing again writes nothing new: buckets are closed once.
    expect(await monitoring.flushBuckets()).toBe(0);
  });

  it('merges the buckets several processes wrote for the same minute', async () => {
    const bucketStart = new Date('2036-01-05T00:00:00.000Z');
    const bucket = (instance: string, count: number, p95Ms: number) => ({
      component: 'listener' as const,
      subject: 'X.merge',
      bucketStart,
      bucketMs: 60_000,
      instance,
      count,
      errors: instance === 'b' ? 1 : 0,
      errorsByCode: {},
      p50Ms: 1,
      p95Ms,
      p99Ms: p95Ms,
      maxMs: p95Ms * 2,
      totalMs: count * 10,
    });
    await monitoring.buckets.write([bucket('a', 3, 40), bucket('b', 1, 90)]);
    await monitoring.buckets.write([bucket('a', 3, 40)]); // idempotent re-write
    const [point] = await monitoring.buckets.trend(
      bucketStart,
      new Date(bucketStart.getTime() + 60_000),
      'listener',
    );
    expect(point).toMatchObject({
      subject: 'X.merge',
      count: 4,
      errors: 1,
      p95Ms: 90,
      maxMs: 180,
      meanMs: 10,
    });
  });

  it('rejects a bad filter with field-level errors', async () => {
    await expect(monitoring.performance({ windowMinutes: 0 })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('filter.windowMinutes'),
    });
    await expect(monitoring.performance({ nope: 1 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
