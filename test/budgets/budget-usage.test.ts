/**
 * Budgets as an input of the analytics "budget limits" recommendation, through the running server:
 * a refused request is counted on its period's counter, and a budget that refused requests in
 * most of its recent periods is recommended for a higher limit; one that never came near its
 * limit, for a lower one.
 */
import { Types } from 'mongoose';

import { readBudgetUsage } from '../../src/budgets/budget-usage';
import { budgetModels } from '../../src/budgets/models';
import type { SeededActor, TestApp } from '../helpers/app';
import { startPricedApp } from './support/priced-app';

let app: TestApp;
let owner: SeededActor;
let projectId: string;

beforeAll(async () => {
  ({ app, owner, projectId } = await startPricedApp({
    project: 'limits',
    inputPerMTok: '1',
    outputPerMTok: '10',
  }));
});
afterAll(async () => app?.stop());

const createBudget = async (input: Record<string, unknown>) => {
  const created = await owner.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    { input },
  );
  expect(created.errors).toBeUndefined();
  return created.data.createBudget.id as string;
};

it('counts each refused request on the counter of the period that refused it', async () => {
  const budgetId = await createBudget({
    scope: 'PROJECT',
    scopeId: projectId,
    period: 'DAILY',
    limit: '0.005',
  });
  const send = () =>
    owner.graphql('mutation($i: SendMessageInput!) { sendMessage(input: $i) { requestId } }', {
      i: { projectId, provider: 'mock', model: 'mock-small', content: 'hi', maxOutputTokens: 1000 },
    });
  expect((await send()).status).toBe(402);
  expect((await send()).status).toBe(402);
  const { Counter } = budgetModels(app.runtime.connection);
  const counter = await Counter.findOne({ budgetId }).lean();
  expect(counter?.blockedRequests).toBe(2);
  expect(BigInt(counter!.spentNano)).toBe(0n);
  await owner.graphql('mutation($id: ID!) { deleteBudget(id: $id) }', { id: budgetId });
});

it('recommends raising a budget that keeps refusing and lowering one that is never used', async () => {
  const tight = await createBudget({
    name: 'tight',
    scope: 'PROJECT',
    scopeId: projectId,
    period: 'DAILY',
    limit: '1',
  });
  const idle = await createBudget({
    name: 'idle',
    scope: 'ORGANIZATION',
    scopeId: owner.organizationId,
    period: 'DAILY',
    limit: '100',
  });
  const { Counter, Budget } = budgetModels(app.runtime.connection);
  // Four completed days: the tight budget refused requests on three of them, the idle one spent cents.
  const now = app.runtime.clock.now();
  const day = 86_400_000;
  const start = Math.floor(now.getTime() / day) * day;
  const counters = [1, 2, 3, 4].flatMap((n) => {
    const periodStart = new Date(start - n * day);
    const periodEnd = new Date(start - (n - 1) * day);
    const base = {
      organizationId: owner.organizationId,
      periodStart,
      periodEnd,
      reservedNano: 0n,
      touchedAt: now,
    };
    return [
      {
        ...base,
        budgetId: new Types.ObjectId(tight),
        limitNano: 1_000_000_000n,
        spentNano: 990_000_000n,
        headroomNano: 10_000_000n,
        blockedRequests: n === 4 ? 0 : 5,
      },
      {
        ...base,
        budgetId: new Types.ObjectId(idle),
        limitNano: 100_000_000_000n,
        spentNano: 20_000_000n,
        headroomNano: 99_980_000_000n,
        blockedRequests: 0,
      },
    ];
  });
  await Counter.insertMany(counters);

  const usage = await readBudgetUsage({ Budget, Counter }, owner.organizationId, now, 90 * day);
  expect(usage.find((u) => u.budgetId === tight)).toMatchObject({
    name: 'tight',
    periods: 4,
    periodsBlocked: 3,
    blockedRequests: 15,
    peakSpentNano: 990_000_000n,
  });
  expect(usage.find((u) => u.budgetId === idle)).toMatchObject({
    periods: 4,
    periodsBlocked: 0,
    peakSpentNano: 20_000_000n,
  });

  const recommendations = await app.runtime.services.analytics.recommendations.refresh(owner.organizationId);
  const keys = recommendations
    .filter((r) => r.kind === 'BUDGET_LIMIT')
    .map((r) => r.key)
    .sort();
  expect(keys).toEqual([`BUDGET_LIMIT:BLOCKED:${tight}`, `BUDGET_LIMIT:UNUSED:${idle}`].sort());
  const blocked = recommendations.find((r) => r.key === `BUDGET_LIMIT:BLOCKED:${tight}`)!;
  expect(blocked.title).toMatch(/"tight" blocked requests in 3 of 4 periods/);
  expect(blocked.evidence.recordCount).toBe(15);
});
