/**
 * Delivery through the real server and its agenda worker, to a real receiver: domain
 * events fan out to the endpoints that subscribed (once per event and endpoint), attempts
 * are retried with backoff on 5xx, 429 and network errors, not on other 4xx, and given up
 * after WEBHOOK_MAX_ATTEMPTS; every attempt lands in the delivery log. Backoff is
 * configured in milliseconds here so nothing waits for real.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEvent } from '../../src/events/event';
import type { EventName, EventPayload } from '../../src/events/catalog';
import { parseUsd } from '../../src/shared/money';
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';
import { eventually, startReceiver, type Receiver } from './support/receiver';

let app: TestApp;
let owner: SeededActor;
let receiver: Receiver;
let seq = 0;

beforeAll(async () => {
  process.env.MOCK_PROVIDER = 'on';
  receiver = await startReceiver();
  app = await startTestApp({
    env: {
      JOB_POLL_INTERVAL_MS: '200',
      WEBHOOK_MAX_ATTEMPTS: '3',
      WEBHOOK_RETRY_BASE_MS: '20',
      WEBHOOK_RETRY_MAX_MS: '2000',
      WEBHOOK_TIMEOUT_MS: '400',
    },
  });
  owner = await app.seed.createOwner();
});
afterAll(async () => {
  await app?.stop();
  await receiver?.close();
});

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id } } }`;
const LOG = `query($id: ID!) { webhookDeliveries(webhookId: $id, first: 10) { edges { node {
  id eventId type status attemptCount nextAttemptAt payload
  attempts { attempt startedAt httpStatus ok error durationMs nextAttemptAt } } } } }`;

type Log = {
  eventId: string;
  type: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: string | null;
  payload: Record<string, unknown>;
  attempts: {
    attempt: number;
    startedAt: string;
    httpStatus: number | null;
    ok: boolean;
    error: string | null;
    durationMs: number;
    nextAttemptAt: string | null;
  }[];
};

async function endpoint(
  actor: SeededActor,
  path: string,
  events: string[],
  extra: Record<string, unknown> = {},
) {
  const res = await actor.graphql(CREATE, { input: { url: receiver.url(path), events, ...extra } });
  expect(res.errors).toBeUndefined();
  return res.data.createWebhook.webhook.id as string;
}

async function log(actor: SeededActor, webhookId: string): Promise<Log[]> {
  const res = await actor.graphql(LOG, { id: webhookId });
  expect(res.errors).toBeUndefined();
  return res.data.webhookDeliveries.edges.map((e: { node: Log }) => e.node);
}

/** Waits until the endpoint's deliveries are all finished (none PENDING). */
const settled = (actor: SeededActor, webhookId: string, count = 1) =>
  eventually(
    () => log(actor, webhookId),
    (l) => l.length >= count && l.every((d) => d.status !== 'PENDING'),
  );

function dispatch<N extends EventName>(name: N, payload: EventPayload<N>, id = `test-event-${++seq}`) {
  return app.runtime.events.dispatch(createEvent(name, payload, { id })).then(() => id);
}

/** A port nothing listens on: bound once, then released. */
async function closedPortNumber(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const exceeded = (organizationId: string) => ({
  organizationId,
  budgetId: '65a000000000000000000001',
  periodStart: '2026-01-01T00:00:00.000Z',
  spentUsd: '10',
  limitUsd: '10',
  requestedUsd: '0.5',
});

it('retries a 500 with backoff, then succeeds, logging every attempt', async () => {
  receiver.script('/flaky', [{ status: 500, body: 'down' }, { status: 502 }, { status: 204 }]);
  const id = await endpoint(owner, '/flaky', ['BUDGET_EXCEEDED']);
  const eventId = await dispatch('BudgetExceeded', exceeded(owner.organizationId));
  const posts = await receiver.waitFor('/flaky', 3);
  const [delivery] = await settled(owner, id);
  expect(delivery).toMatchObject({
    eventId,
    type: 'BUDGET_EXCEEDED',
    status: 'SUCCEEDED',
    attemptCount: 3,
    nextAttemptAt: null,
  });
  expect(delivery!.attempts.map((a) => [a.attempt, a.httpStatus, a.ok])).toEqual([
    [1, 500, false],
    [2, 502, false],
    [3, 204, true],
  ]);
  expect(delivery!.attempts[0]!.error).toBe('HTTP 500: down');
  // Backoff doubles from WEBHOOK_RETRY_BASE_MS: 20 ms after the first failure, 40 ms after the second.
  const gap = (i: number) =>
    Date.parse(delivery!.attempts[i]!.nextAttemptAt!) - Date.parse(delivery!.attempts[i]!.startedAt);
  expect(gap(0)).toBeGreaterThanOrEqual(20);
  expect(gap(1)).toBeGreaterThanOrEqual(40);
  expect(delivery!.attempts[2]!.nextAttemptAt).toBeNull();
  for (const a of delivery!.attempts) expect(a.durationMs).toBeGreaterThanOrEqual(0);
  // Every retry is the same message: same id, same body, freshly signed.
  expect(new Set(posts.map((p) => p.headers['x-webhook-id']))).toEqual(new Set([eventId]));
  expect(new Set(posts.map((p) => p.body)).size).toBe(1);
  expect(JSON.parse(posts[0]!.body)).toEqual({
    id: eventId,
    type: 'BUDGET_EXCEEDED',
    occurredAt: expect.any(String),
    organizationId: owner.organizationId,
    data: {
      budgetId: '65a000000000000000000001',
      periodStart: '2026-01-01T00:00:00.000Z',
      spentUsd: '10',
      limitUsd: '10',
      requestedUsd: '0.5',
    },
  });
});

it('does not retry a 400', async () => {
  receiver.script('/reject', [{ status: 400, body: 'bad payload' }, { status: 200 }]);
  const id = await endpoint(owner, '/reject', ['BUDGET_EXCEEDED']);
  await dispatch('BudgetExceeded', exceeded(owner.organizationId));
  const [delivery] = await settled(owner, id);
  expect(delivery).toMatchObject({ status: 'FAILED', attemptCount: 1 });
  expect(delivery!.attempts).toEqual([
    expect.objectContaining({
      httpStatus: 400,
      ok: false,
      error: 'HTTP 400: bad payload',
      nextAttemptAt: null,
    }),
  ]);
  expect(receiver.received('/reject')).toHaveLength(1);
});

it('gives up after WEBHOOK_MAX_ATTEMPTS and marks the delivery failed', async () => {
  receiver.script('/dead', [{ status: 503 }]);
  const id = await endpoint(owner, '/dead', ['BUDGET_EXCEEDED']);
  await dispatch('BudgetExceeded', exceeded(owner.organizationId));
  const [delivery] = await settled(owner, id);
  expect(delivery).toMatchObject({ status: 'FAILED', attemptCount: 3, nextAttemptAt: null });
  expect(delivery!.attempts.map((a) => a.httpStatus)).toEqual([503, 503, 503]);
  expect(delivery!.attempts.map((a) => a.nextAttemptAt === null)).toEqual([false, false, true]);
  expect(receiver.received('/dead')).toHaveLength(3);
});

it('honours Retry-After on a 429', async () => {
  receiver.script('/busy', [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
  const id = await endpoint(owner, '/busy', ['BUDGET_EXCEEDED']);
  await dispatch('BudgetExceeded', exceeded(owner.organizationId));
  const [delivery] = await settled(owner, id);
  expect(delivery!.attempts.map((a) => a.httpStatus)).toEqual([429, 200]);
  const first = delivery!.attempts[0]!;
  // 1 s asked for, far above the 20 ms backoff.
  expect(Date.parse(first.nextAttemptAt!) - Date.parse(first.startedAt)).toBeGreaterThanOrEqual(1000);
  expect(Date.parse(delivery!.attempts[1]!.startedAt)).toBeGreaterThanOrEqual(
    Date.parse(first.nextAttemptAt!),
  );
});

it('retries network errors and timeouts, and logs what went wrong', async () => {
  receiver.script('/slow', [{ status: 200, delayMs: 1500 }]);
  const slow = await endpoint(owner, '/slow', ['BUDGET_EXCEEDED']);
  const closedPort = await owner.graphql(CREATE, {
    input: { url: `http://127.0.0.1:${await closedPortNumber()}/unreachable`, events: ['BUDGET_EXCEEDED'] },
  });
  const unreachable = closedPort.data.createWebhook.webhook.id as string;
  await dispatch('BudgetExceeded', exceeded(owner.organizationId));
  const [timedOut] = await settled(owner, slow);
  expect(timedOut).toMatchObject({ status: 'FAILED', attemptCount: 3 });
  expect(timedOut!.attempts.map((a) => [a.httpStatus, a.error])).toEqual(
    Array(3).fill([null, 'timed out after 400 ms']),
  );
  const [refused] = await settled(owner, unreachable);
  expect(refused).toMatchObject({ status: 'FAILED', attemptCount: 3 });
  expect(refused!.attempts[0]!.error).toMatch(/fetch failed \(ECONNREFUSED\)/);
});

it('posts each event once per subscribed, enabled endpoint of its own organisation, even when replayed', async () => {
  const org = await app.seed.createOwner();
  const other = await app.seed.createOwner();
  const a = await endpoint(org, '/fan-a', ['BUDGET_EXCEEDED']);
  const b = await endpoint(org, '/fan-b', ['BUDGET_EXCEEDED', 'BUDGET_THRESHOLD_REACHED'], {
    format: 'SLACK',
  });
  await endpoint(org, '/fan-unsubscribed', ['BUDGET_THRESHOLD_REACHED']);
  await endpoint(org, '/fan-disabled', ['BUDGET_EXCEEDED'], { enabled: false });
  await endpoint(other, '/fan-other-org', ['BUDGET_EXCEEDED']);

  const eventId = await dispatch('BudgetExceeded', exceeded(org.organizationId));
  await dispatch('BudgetExceeded', exceeded(org.organizationId), eventId); // a replay of the same event
  // Replaying after the listener completed: the fan-out itself must still be idempotent.
  await app.runtime.services.webhooks.router.exceeded(
    createEvent('BudgetExceeded', exceeded(org.organizationId), { id: eventId }),
  );
  await settled(org, a);
  await settled(org, b);
  await new Promise((r) => setTimeout(r, 300)); // room for any duplicate to arrive
  expect(receiver.received('/fan-a')).toHaveLength(1);
  expect(receiver.received('/fan-b')).toHaveLength(1);
  expect(JSON.parse(receiver.received('/fan-b')[0]!.body).text).toMatch(
    /^Budget exceeded: request blocked: Budget 65a0+1 blocked a request needing up to \$0\.5/,
  );
  for (const path of ['/fan-unsubscribed', '/fan-disabled', '/fan-other-org'])
    expect(receiver.received(path)).toEqual([]);
  expect(await log(org, a)).toHaveLength(1);
});

it('sends a budget threshold crossed by a real sendMessage', async () => {
  const org = await app.seed.createOwner();
  const projectId = (await org.graphql('mutation { createProject(input: { name: "hooked" }) { id } }')).data
    .createProject.id;
  const priced = await org.graphql(
    `mutation { setModelPrice(input: { provider: "mock", model: "mock-small", inputPerMTok: "1",
      outputPerMTok: "10", effectiveFrom: "2020-01-01T00:00:00Z" }) { __typename } }`,
  );
  expect(priced.errors).toBeUndefined();
  const budget = await org.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    {
      input: {
        scope: 'PROJECT',
        scopeId: projectId,
        period: 'DAILY',
        limit: '0.001',
        thresholds: [1],
        action: 'ALERT_ONLY',
        name: 'Hooked project',
      },
    },
  );
  expect(budget.errors).toBeUndefined();
  const budgetId = budget.data.createBudget.id as string;
  const id = await endpoint(org, '/threshold', ['BUDGET_THRESHOLD_REACHED']);

  // Any answer costs more than 1% of $0.001 ($0.00001), so the first request crosses the threshold.
  const sent = await org.graphql(
    'mutation($input: SendMessageInput!) { sendMessage(input: $input) { requestId } }',
    {
      input: {
        projectId,
        provider: 'mock',
        model: 'mock-small',
        content: 'hello '.repeat(20),
        maxOutputTokens: 2000,
      },
    },
  );
  expect(sent.errors).toBeUndefined();
  const [post] = await receiver.waitFor('/threshold', 1, 20_000);
  const body = JSON.parse(post!.body);
  expect(body).toMatchObject({
    type: 'BUDGET_THRESHOLD_REACHED',
    organizationId: org.organizationId,
    data: {
      budgetId,
      threshold: 1,
      limitUsd: '0.001',
      budgetName: 'Hooked project',
      scope: 'PROJECT',
      scopeId: projectId,
      period: 'DAILY',
    },
  });
  expect(Number(body.data.spentUsd)).toBeGreaterThanOrEqual(0.00001);
  const [delivery] = await settled(org, id);
  expect(delivery).toMatchObject({ status: 'SUCCEEDED', eventId: body.id });
});

describe('performance alerts', () => {
  const slow = (organizationId: string | null) => ({
    organizationId,
    metric: 'mcp_call',
    value: 812,
    threshold: 500,
    subject: 'everything.echo',
    severity: 'HIGH' as const,
    windowMs: 300_000,
  });

  it("go to the alert's organisation when it has one", async () => {
    const org = await app.seed.createOwner();
    const other = await app.seed.createOwner();
    const id = await endpoint(org, '/perf', ['PERFORMANCE_THRESHOLD_EXCEEDED'], { format: 'SLACK' });
    await endpoint(other, '/perf-other', ['PERFORMANCE_THRESHOLD_EXCEEDED']);
    await dispatch('PerformanceThresholdExceeded', slow(org.organizationId));
    const [post] = await receiver.waitFor('/perf', 1);
    const slack = JSON.parse(post!.body);
    expect(slack.text).toBe(
      'Performance threshold exceeded (HIGH): mcp_call for everything.echo is 812 ms over 5 min, over its 500 ms threshold.',
    );
    expect(slack.blocks[2].fields).toContainEqual({ type: 'mrkdwn', text: '*Subject*\neverything.echo' });
    await settled(org, id);
    expect(receiver.received('/perf-other')).toEqual([]);
  });

  it('deployment-wide ones go only to platform-admin organisations (none configured here)', async () => {
    const org = await app.seed.createOwner();
    const id = await endpoint(org, '/perf-wide', ['PERFORMANCE_THRESHOLD_EXCEEDED']);
    const eventId = await dispatch('PerformanceThresholdExceeded', slow(null));
    const routed = await app.runtime.services.webhooks.router.performance(
      createEvent('PerformanceThresholdExceeded', slow(null), { id: eventId }),
    );
    expect(routed).toBe(0);
    expect(await log(org, id)).toEqual([]);
  });
});

describe('budget forecast alerts', () => {
  const DAY_MS = 86_400_000;
  const CREATE_BUDGET = 'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }';
  const ALERTS = `query($filter: BudgetAlertFilter) { budgetAlerts(filter: $filter) {
    id spent limit projected periodStart periodEnd message } }`;

  it('reach their organisation through BudgetForecastExceeded and its queued job, once', async () => {
    const org = await app.seed.createOwner();
    const other = await app.seed.createOwner();
    const id = await endpoint(org, '/forecast', ['BUDGET_FORECAST']);
    await endpoint(org, '/forecast-unsubscribed', ['BUDGET_THRESHOLD_REACHED', 'BUDGET_EXCEEDED']);
    await endpoint(other, '/forecast-other-org', ['BUDGET_FORECAST']);

    // A custom period about a third gone: $4 of $10 spent projects about $12.50 by its end, and
    // 40% reaches none of the default thresholds.
    const now = Date.now();
    const startsAt = new Date(now - 8 * DAY_MS).toISOString();
    const endsAt = new Date(now + 17 * DAY_MS).toISOString();
    const created = await org.graphql(CREATE_BUDGET, {
      input: {
        scope: 'ORGANIZATION',
        scopeId: org.organizationId,
        period: 'CUSTOM',
        startsAt,
        endsAt,
        limit: '10',
        action: 'ALERT_ONLY',
        name: 'Quarter plan',
      },
    });
    expect(created.errors).toBeUndefined();
    const budgetId = created.data.createBudget.id as string;

    // Spend settles as the cost job settles it: the budget feature raises the forecast alert.
    const { store, reservations } = app.runtime.services.budgets;
    const budget = (await store.find(budgetId))!;
    const requestId = `forecast-${budgetId}`;
    await reservations.reserve({
      requestId,
      organizationId: org.organizationId,
      budgets: [budget],
      estimateNano: parseUsd('0.01'),
    });
    expect(await reservations.settle(requestId, parseUsd('4'))).toBe('SETTLED');
    const alerts = await org.graphql(ALERTS, { filter: { budgetId, kinds: ['FORECAST'] } });
    expect(alerts.errors).toBeUndefined();
    expect(alerts.data.budgetAlerts).toHaveLength(1);
    const alert = alerts.data.budgetAlerts[0];

    // What the event carries: the stored alert, money as decimal strings.
    const fields = {
      alertId: alert.id as string,
      budgetId,
      periodStart: startsAt,
      periodEnd: endsAt,
      spentUsd: '4.00',
      limitUsd: '10.00',
      projectedUsd: alert.projected as string,
      message: alert.message as string,
    };
    expect(Number(fields.projectedUsd)).toBeCloseTo(12.5, 2);
    expect(fields.message).toMatch(/^"Quarter plan" .* is on track to spend \$12\.\d+ by /);

    const [post] = await receiver.waitFor('/forecast', 1, 20_000);
    const body = JSON.parse(post!.body);
    expect(body).toEqual({
      id: `budget-alert:${alert.id}`,
      type: 'BUDGET_FORECAST',
      occurredAt: expect.any(String),
      organizationId: org.organizationId,
      data: {
        ...fields,
        budgetName: 'Quarter plan',
        scope: 'ORGANIZATION',
        scopeId: org.organizationId,
        period: 'CUSTOM',
      },
    });
    const [delivery] = await settled(org, id);
    expect(delivery).toMatchObject({ status: 'SUCCEEDED', eventId: body.id, type: 'BUDGET_FORECAST' });

    // The same event dispatched again queues nothing new, and fanning it out again adds no delivery.
    const replay = () =>
      createEvent(
        'BudgetForecastExceeded',
        { organizationId: org.organizationId, ...fields },
        { id: body.id },
      );
    await app.runtime.events.dispatch(replay());
    expect(await app.runtime.services.webhooks.router.forecast(replay())).toBe(0);
    await new Promise((r) => setTimeout(r, 300)); // room for any duplicate to arrive
    expect(receiver.received('/forecast')).toHaveLength(1);
    expect(await log(org, id)).toHaveLength(1);
    for (const path of ['/forecast-unsubscribed', '/forecast-other-org'])
      expect(receiver.received(path)).toEqual([]);
  });
});
