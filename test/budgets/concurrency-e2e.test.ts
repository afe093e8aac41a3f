/**
 * The budget guarantee under concurrency, through the running server: 100 concurrent sendMessage
 * calls over HTTP, each with a worst case of exactly $0.01 (and an actual cost of $0.01), against
 * a $0.10 daily project budget. At most 10 get through, the rest are BUDGET_EXCEEDED (402); once
 * the cost jobs have drained, settled spend is within the limit and the counter equals the cost
 * records. Threshold alerts reach the organisation's graphql-ws subscriber once each, and a
 * subscriber of another organisation receives nothing.
 */
import { MongoCostRecordStore } from '../../src/costs/mongo-cost-stores';
import { parseUsd } from '../../src/shared/money';
import type { SeededActor, TestApp } from '../helpers/app';
import { startPricedApp } from './support/priced-app';
import { eventually } from '../helpers/poll';

let app: TestApp;
let owner: SeededActor;
let other: SeededActor;
let projectId: string;

beforeAll(async () => {
  // Input is free and output costs $10 per million tokens: 1,000 output tokens are exactly $0.01,
  // as the worst case (maxOutputTokens 1000) and as the actual cost (the mock reports 1,000).
  ({ app, owner, projectId } = await startPricedApp({
    project: 'burst',
    inputPerMTok: '0',
    outputPerMTok: '10',
    env: { RATE_LIMIT_PER_MINUTE: '0' },
  }));
  other = await app.seed.createOwner({ organizationName: 'Other' });
});

afterAll(async () => app?.stop());

const SEND = 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { requestId } }';
const CONTENT = `::mock ${JSON.stringify({ text: 'ok', usage: { output: 1000 } })}`;

it('admits at most 10 of 100 concurrent $0.01 requests against $0.10, never overspends, and alerts once per threshold', async () => {
  const created = await owner.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    { input: { scope: 'PROJECT', scopeId: projectId, period: 'DAILY', limit: '0.10' } },
  );
  expect(created.errors).toBeUndefined();
  const budgetId = created.data.createBudget.id as string;

  const ownerWs = owner.ws();
  const otherWs = other.ws();
  await Promise.all([ownerWs.connected, otherWs.connected]);
  const alerts = ownerWs.subscribe<{
    budgetAlerts: { budgetId: string; kind: string; threshold: number; [field: string]: unknown };
  }>(
    `subscription { budgetAlerts { id budgetId scope scopeId period kind threshold severity spent limit
      requested projected periodStart periodEnd message createdAt acknowledgedAt } }`,
  );
  const statuses = ownerWs.subscribe<{ budgetStatusChanged: { spent: string; percentUsed: number } }>(
    'subscription($id: ID!) { budgetStatusChanged(budgetId: $id) { spent percentUsed } }',
    { id: budgetId },
  );
  const foreign = otherWs.subscribe('subscription { budgetAlerts { budgetId } }');
  await new Promise((r) => setTimeout(r, 200)); // let both subscriptions register

  const responses = await Promise.all(
    Array.from({ length: 100 }, () =>
      owner.graphql(SEND, {
        input: { projectId, provider: 'mock', model: 'mock-small', content: CONTENT, maxOutputTokens: 1000 },
      }),
    ),
  );
  const admitted = responses.filter((r) => r.status === 200 && !r.errors);
  const refused = responses.filter((r) => r.status === 402);
  expect(admitted.length).toBeGreaterThan(0);
  expect(admitted.length).toBeLessThanOrEqual(10);
  expect(admitted.length + refused.length).toBe(100);
  for (const r of refused) {
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BUDGET_EXCEEDED', budgetId, requested: '0.01' });
  }

  // The cost jobs settle every admitted request's hold to its recorded cost.
  const { models } = app.runtime.services.budgets;
  const counter = await eventually(
    () => models.Counter.findOne({ budgetId }).lean(),
    (c) => !!c && Number(c.reservedNano) === 0 && Number(c.spentNano) === admitted.length * 10_000_000,
    60_000,
  );
  expect(await models.Reservation.countDocuments({ status: 'HELD' })).toBe(0);
  const records = await new MongoCostRecordStore(app.runtime.db).find({
    organizationId: owner.organizationId,
    projectId,
  });
  expect(records).toHaveLength(admitted.length);
  const recorded = records.reduce((sum, r) => sum + r.cost.total, 0n);
  expect(BigInt(counter!.spentNano)).toBe(recorded);
  expect(recorded).toBeLessThanOrEqual(parseUsd('0.10'));
  const status = await owner.graphql('query($id: ID!) { budgetStatus(budgetId: $id) { spent reserved } }', {
    id: budgetId,
  });
  expect(parseUsd(status.data.budgetStatus.spent)).toBe(recorded);
  const listed = await owner.graphql(
    '{ budgets { id name scope scopeId period limit enabled startsAt endsAt createdAt status { spent } } }',
  );
  expect(listed.data.budgets).toEqual([
    expect.objectContaining({
      id: budgetId,
      name: null,
      scope: 'PROJECT',
      scopeId: projectId,
      enabled: true,
    }),
  ]);

  // Crossing 50%, 80% and 100% (when all ten got through) arrives live, each exactly once.
  const expected = [50, 80, 100].filter((t) => admitted.length * 10 >= t);
  await alerts.next(expected.length, 15_000);
  await new Promise((r) => setTimeout(r, 300));
  const thresholds = alerts.values.filter((a) => a.budgetAlerts.kind === 'THRESHOLD');
  expect(thresholds.map((a) => a.budgetAlerts.threshold)).toEqual(expected);
  expect(new Set(alerts.values.map((a) => a.budgetAlerts.budgetId))).toEqual(new Set([budgetId]));
  expect(thresholds[0]?.budgetAlerts).toMatchObject({
    scope: 'PROJECT',
    scopeId: projectId,
    period: 'DAILY',
    severity: 'INFO',
    limit: '0.10',
    requested: null,
    acknowledgedAt: null,
    message: expect.stringMatching(/reached 50% of its limit/),
  });
  const blocked = alerts.values.find((a) => a.budgetAlerts.kind === 'EXCEEDED');
  expect(blocked?.budgetAlerts).toMatchObject({ severity: 'CRITICAL', requested: '0.01' });
  // Each alert also moves the budget's status on budgetStatusChanged.
  await statuses.next(alerts.values.length, 5_000);
  const spentSeen = statuses.values.map((v) => parseUsd(v.budgetStatusChanged.spent));
  expect(spentSeen.some((spent) => spent > 0n)).toBe(true);
  // BudgetExceeded: at most once per budget per minute, however many requests were refused.
  const exceeded = await models.Alert.find({ budgetId, kind: 'EXCEEDED' }).lean();
  expect(exceeded.length).toBeGreaterThanOrEqual(1);
  expect(exceeded.length).toBeLessThanOrEqual(2);
  expect(foreign.values).toEqual([]);
  alerts.stop();
  statuses.stop();
  foreign.stop();
  await Promise.all([ownerWs.dispose(), otherWs.dispose()]);
}, 120_000);
