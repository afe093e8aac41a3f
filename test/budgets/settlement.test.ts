/**
 * Budget settlement as its own CostCalculated listener, in the running server (outbox, agenda
 * worker, real database): a budgets fault while settling is retried by settlement alone, never
 * by cost tracking (one cost record per request), and a replayed event settles once. And the
 * estimate charged for a hold whose process died is replaced when the real figure arrives late:
 * the cost records and the budget's spend both end at the real cost, however often it replays.
 */
import { createEvent, parseStoredEvent } from '../../src/events/event';
import { usageEventIdFor, type UsageEvent } from '../../src/costs/usage-event';
import { FakeClock } from '../../src/shared/clock';
import { formatUsd, parseUsd } from '../../src/shared/money';
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/poll';

let app: TestApp;
let owner: SeededActor;
let projectId: string;
const clock = new FakeClock('2026-03-10T12:00:00.000Z');

beforeAll(async () => {
  process.env.MOCK_PROVIDER = 'on';
  app = await startTestApp({ clock, env: { RATE_LIMIT_PER_MINUTE: '0', BUDGET_HOLD_TTL_MS: '60000' } });
  owner = await app.seed.createOwner();
  projectId = (await owner.graphql('mutation { createProject(input: { name: "p" }) { id } }')).data
    .createProject.id as string;
  // Free input, $10 per million output tokens: 1,000 output tokens cost exactly $0.01.
  await owner.graphql(
    `mutation { setModelPrice(input: { provider: "mock", model: "mock-small", inputPerMTok: "0",
      outputPerMTok: "10", effectiveFrom: "2020-01-01T00:00:00Z" }) { __typename } }`,
  );
});

afterAll(async () => app?.stop());

afterEach(() => jest.restoreAllMocks());

const SEND = 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { requestId } }';
const STATUS = 'query($id: ID!) { budgetStatus(budgetId: $id) { spent reserved } }';
const RECORDS = `query($p: ID!) { costRecords(filter: { projectId: $p }, first: 50) {
  edges { node { id kind status estimateReason estimateMessage requestId cost { total } } } } }`;

async function createBudget(limit: string): Promise<string> {
  const created = await owner.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    { input: { scope: 'PROJECT', scopeId: projectId, period: 'TOTAL', limit } },
  );
  expect(created.errors).toBeUndefined();
  return created.data.createBudget.id as string;
}

/** A budget's spent and reserved amounts, in nano-USD. */
async function budgetStatus(id: string): Promise<{ spent: bigint; reserved: bigint }> {
  const { spent, reserved } = (await owner.graphql(STATUS, { id })).data.budgetStatus;
  return { spent: parseUsd(spent as string), reserved: parseUsd(reserved as string) };
}

async function recordsOf(requestId: string) {
  const edges = (await owner.graphql(RECORDS, { p: projectId })).data.costRecords.edges as {
    node: {
      id: string;
      kind: string;
      status: string;
      estimateReason: string | null;
      cost: { total: string };
    };
  }[];
  return edges
    .map((e) => e.node)
    .filter((n) => (n as unknown as { requestId: string }).requestId === requestId);
}

const outboxDone = (eventId: string) =>
  eventually(
    () => app.runtime.db.collection('event_outbox').findOne({ _id: eventId as never }),
    (row) => row?.state === 'done',
  );

it('retries a failed settlement by itself, never re-running cost tracking, and settles a replay once', async () => {
  const budgetId = await createBudget('1');
  const { reservations } = app.runtime.services.budgets;
  const settle = jest.spyOn(reservations, 'settle');
  // The budget store fails twice while settling; cost tracking has long finished by then.
  settle.mockRejectedValueOnce(new Error('budget store down')).mockRejectedValueOnce(new Error('still down'));
  const tracked: string[] = [];
  const trackBatch = app.runtime.services.costs.trackBatch.bind(app.runtime.services.costs);
  jest.spyOn(app.runtime.services.costs, 'trackBatch').mockImplementation(async (events) => {
    tracked.push(...events.map((e) => e.requestId));
    return trackBatch(events);
  });

  const sent = await owner.graphql(SEND, {
    input: {
      projectId,
      provider: 'mock',
      model: 'mock-small',
      content: '::mock {"usage":{"output":1000}}',
      maxOutputTokens: 1000,
    },
  });
  expect(sent.errors).toBeUndefined();
  const requestId = sent.data.sendMessage.requestId as string;

  const status = await eventually(
    () => budgetStatus(budgetId),
    (s) => s.reserved === 0n && s.spent > 0n,
    30_000,
  );
  expect(status).toEqual({ spent: parseUsd('0.01'), reserved: 0n });
  // Two failures and the success: settlement was retried by its own listener...
  expect(settle.mock.calls.filter(([id]) => id === requestId)).toHaveLength(3);
  // ...and cost tracking ran once for the request and wrote its one record.
  expect(tracked.filter((id) => id === requestId)).toHaveLength(1);
  expect(await recordsOf(requestId)).toEqual([
    expect.objectContaining({ kind: 'CHARGE', status: 'PRICED', cost: { total: '0.01' } }),
  ]);

  // The same record announced again (a replay under a new event id) settles nothing twice.
  const replay = createEvent(
    'CostCalculated',
    {
      organizationId: owner.organizationId,
      projectId,
      usageEventId: usageEventIdFor(requestId),
      costRecordId: usageEventIdFor(requestId),
      amountUsd: '0.010000000',
      priced: true,
      requestId,
      kind: 'charge',
      amountNano: String(parseUsd('0.01')),
    },
    { id: `replay-${requestId}` },
  );
  await app.runtime.eventSystem.bus.dispatch(replay);
  await outboxDone(replay.id);
  await expect(settle.mock.results.at(-1)!.value).resolves.toBe('NOOP');
  expect(await budgetStatus(budgetId)).toEqual({ spent: parseUsd('0.01'), reserved: 0n });
}, 60_000);

it('still reads CostCalculated v1 events left in an outbox (settled from their cost record)', () => {
  const v1 = parseStoredEvent({
    id: 'cc_old',
    name: 'CostCalculated',
    version: 1,
    occurredAt: new Date().toISOString(),
    payload: {
      organizationId: 'o',
      usageEventId: 'ue_r',
      costRecordId: 'ue_r',
      amountUsd: '0.01',
      priced: true,
    },
  });
  expect(v1).toMatchObject({ version: 1, payload: { costRecordId: 'ue_r' } });
  expect(v1.payload).not.toHaveProperty('kind');
});

it('replaces the estimate of an expired hold with the real figure when it arrives late', async () => {
  const budgetId = await createBudget('1');
  const { budgets, costs } = app.runtime.services;
  const requestId = `late-${Date.now().toString(36)}`;
  const requestedAt = clock.now();
  // The hold of a request whose process then died: $0.01 worst case (1,000 output tokens).
  const held = await budgets.enforcement.enforce({
    requestId,
    subject: {
      organizationId: owner.organizationId,
      projectId,
      userId: owner.userId,
      apiKeyId: owner.apiKeyId,
    },
    provider: 'mock',
    model: 'mock-small',
    messages: [''],
    maxOutputTokens: 1000,
  });
  const estimate = held!.estimateNano;
  // The project's earlier spend (the first test's request) counts towards the new budget too.
  const { spent: before, reserved } = await budgetStatus(budgetId);
  expect(reserved).toBe(estimate);
  expect(estimate).toBeGreaterThanOrEqual(parseUsd('0.01'));

  // The hold outlives its TTL: the sweep charges its estimate and moves it to spent.
  clock.advance(61_000);
  expect(await budgets.sweeper.expireReservations()).toBe(1);
  expect(await recordsOf(requestId)).toEqual([
    expect.objectContaining({
      kind: 'ESTIMATE',
      status: 'ESTIMATED',
      estimateReason: 'HOLD_EXPIRED',
      cost: { total: formatUsd(estimate) },
    }),
  ]);
  expect(await budgetStatus(budgetId)).toEqual({ spent: before + estimate, reserved: 0n });
  // A second sweep finds nothing left to do.
  expect(await budgets.sweeper.expireReservations()).toBe(0);

  // The real usage arrives after all: 400 output tokens, $0.004.
  const usage: UsageEvent = {
    id: usageEventIdFor(requestId),
    organizationId: owner.organizationId,
    projectId,
    userId: owner.userId,
    apiKeyId: owner.apiKeyId,
    requestId,
    conversationId: null,
    messageId: null,
    provider: 'mock',
    model: 'mock-small',
    calls: [
      {
        index: 0,
        usage: {
          inputUncached: 0,
          cacheRead: 0,
          cacheWrite5m: 0,
          cacheWrite1h: 0,
          output: 400,
          reasoning: 0,
        },
        partial: false,
        usageSource: 'raw',
      },
    ],
    outcome: 'succeeded',
    requestedAt,
    latencyMs: 10,
  };
  await costs.trackBatch([usage]);
  // Replayed: nothing new is written or settled.
  await costs.trackBatch([usage]);
  const actual = parseUsd('0.004');
  const status = await eventually(
    () => budgetStatus(budgetId),
    (s) => s.spent === before + actual,
    30_000,
  );
  expect(status).toEqual({ spent: before + actual, reserved: 0n });
  const records = await recordsOf(requestId);
  expect(records.map((r) => `${r.kind} ${r.status}`).sort()).toEqual([
    'ADJUSTMENT PRICED',
    'CHARGE PRICED',
    'ESTIMATE ESTIMATED',
  ]);
  const total = records.reduce((sum, r) => sum + parseUsd(r.cost.total), 0n);
  expect(total).toBe(actual);
  // Reports count the request once, at its real cost: the estimate and its void cancel out
  // (the project also holds the first test's $0.01 request).
  const breakdown = await owner.graphql(
    'query($p: ID!) { costBreakdown(filter: { projectId: $p }, groupBy: []) { total { requests cost { total } } } }',
    { p: projectId },
  );
  expect(breakdown.data?.costBreakdown.total).toEqual({ requests: 2, cost: { total: '0.014' } });

  // Settling the charge again (a replayed event) and sweeping again change nothing.
  expect(await budgets.reservations.settle(requestId, actual)).toBe('NOOP');
  expect(await budgets.sweeper.expireReservations()).toBe(0);
  expect(await budgetStatus(budgetId)).toEqual({ spent: before + actual, reserved: 0n });
}, 60_000);
