/**
 * Budget enforcement in the running server: sendMessage is checked by useBudgetEnforcement before
 * the provider is called, refused with BUDGET_EXCEEDED (402) when its worst case does not fit, and
 * an admitted request's hold is settled to its actual cost by the cost job.
 */
import { parseUsd } from '../../src/shared/money';
import type { SeededActor, TestApp } from '../helpers/app';
import { startPricedApp } from './support/priced-app';

let app: TestApp;
let owner: SeededActor;
let projectId: string;

beforeAll(async () => {
  // $10 per million output tokens makes the worst cases below easy to check by hand.
  ({ app, owner, projectId } = await startPricedApp({
    project: 'budgeted',
    inputPerMTok: '1',
    outputPerMTok: '10',
  }));
});

afterAll(async () => app?.stop());

const SEND =
  'mutation($input: SendMessageInput!) { sendMessage(input: $input) { requestId cost { amount } } }';
const send = (maxOutputTokens: number) =>
  owner.graphql(SEND, {
    input: { projectId, provider: 'mock', model: 'mock-small', content: 'hi', maxOutputTokens },
  });

it('refuses a request whose worst case exceeds the budget, admits one that fits, and settles it', async () => {
  const created = await owner.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    { input: { scope: 'PROJECT', scopeId: projectId, period: 'DAILY', limit: '0.005' } },
  );
  expect(created.errors).toBeUndefined();
  const budgetId = created.data.createBudget.id as string;

  // 1,000 output tokens at $10/M is $0.01 at worst: more than the $0.005 left.
  const refused = await send(1000);
  expect(refused.status).toBe(402);
  expect(refused.data ?? null).toBeNull();
  expect(refused.errors?.[0]?.extensions).toMatchObject({
    code: 'BUDGET_EXCEEDED',
    budgetId,
    scope: 'PROJECT',
    period: 'DAILY',
    limit: '0.005',
    requested: '0.010009',
  });
  expect(refused.errors?.[0]?.message).toMatch(/lower maxOutputTokens/);

  // 100 output tokens is $0.001 at worst: it fits, and its hold becomes its actual cost.
  const admitted = await send(100);
  expect(admitted.errors).toBeUndefined();
  const actual = parseUsd(admitted.data.sendMessage.cost.amount as string);

  const deadline = Date.now() + 20_000;
  let status: { spent: string; reserved: string } | undefined;
  do {
    await new Promise((r) => setTimeout(r, 50));
    status = (
      await owner.graphql('query($id: ID!) { budgetStatus(budgetId: $id) { spent reserved } }', {
        id: budgetId,
      })
    ).data?.budgetStatus;
  } while (Date.now() < deadline && (!status || parseUsd(status.reserved) !== 0n));
  expect(parseUsd(status!.reserved)).toBe(0n);
  expect(parseUsd(status!.spent)).toBe(actual);
  expect(actual).toBeGreaterThan(0n);
});
