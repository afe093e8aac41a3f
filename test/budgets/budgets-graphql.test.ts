/**
 * The budgets GraphQL API on the real app (HTTP + graphql-ws on the database chain):
 * management with field-level errors, status inline, alerts delivered live only to the
 * organisation that owns them, acknowledgement.
 */
import { parseUsd } from '../../src/shared/money';
import { startTestApp, type TestApp } from '../helpers/app';
import { clockAt } from '../helpers/clock';

let app: TestApp;
beforeAll(async () => {
  // Late in the budget's day: 60% spent then projects under the limit, so the only alert is the
  // threshold one. (Forecasts at other hours: time-of-day.test.ts.)
  app = await startTestApp({ clock: clockAt('23:30', 'Europe/Paris') });
});
afterAll(async () => app.stop());

const CREATE = `mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id limit thresholds timezone action status { spent remaining percentUsed periodStart } } }`;

it('creates budgets, refuses bad input field by field, and streams alerts to the owning organisation only', async () => {
  const owner = await app.seed.createOwner();
  const other = await app.seed.createOwner({ organizationName: 'Other' });

  const bad = await owner.graphql(CREATE, {
    input: {
      scope: 'ORGANIZATION',
      scopeId: owner.organizationId,
      period: 'DAILY',
      limit: '-1',
      thresholds: [80, 50],
      timezone: 'Nowhere/Land',
    },
  });
  expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(bad.errors?.[0]?.extensions?.fields.map((f: { field: string }) => f.field).sort()).toEqual([
    'limit',
    'thresholds',
    'timezone',
  ]);

  const created = await owner.graphql(CREATE, {
    input: {
      scope: 'ORGANIZATION',
      scopeId: owner.organizationId,
      period: 'DAILY',
      limit: '0.10',
      timezone: 'Europe/Paris',
    },
  });
  expect(created.errors).toBeUndefined();
  const budget = created.data.createBudget;
  expect(budget).toMatchObject({
    limit: '0.10',
    thresholds: [50, 80, 100],
    timezone: 'Europe/Paris',
    action: 'BLOCK',
  });
  expect(budget.status).toMatchObject({ spent: '0.00', remaining: '0.10', percentUsed: 0 });

  const ownerWs = owner.ws();
  const otherWs = other.ws();
  await Promise.all([ownerWs.connected, otherWs.connected]);
  const mine = ownerWs.subscribe<{
    budgetAlerts: { budgetId: string; kind: string; threshold: number; spent: string };
  }>('subscription { budgetAlerts { budgetId kind threshold spent } }');
  const theirs = otherWs.subscribe('subscription { budgetAlerts { budgetId } }');
  await new Promise((r) => setTimeout(r, 200)); // let both subscriptions register

  const budgets = app.runtime.services.budgets;
  const record = (await budgets.store.find(budget.id))!;
  await budgets.reservations.reserve({
    requestId: 'gql-1',
    organizationId: owner.organizationId,
    budgets: [record],
    estimateNano: parseUsd('0.06'),
  });
  await budgets.reservations.settle('gql-1', parseUsd('0.06'));

  const [alert] = await mine.next(1, 10_000);
  expect(alert?.budgetAlerts).toEqual({
    budgetId: budget.id,
    kind: 'THRESHOLD',
    threshold: 50,
    spent: '0.06',
  });
  await new Promise((r) => setTimeout(r, 200));
  expect(theirs.values).toEqual([]);
  mine.stop();
  theirs.stop();
  await Promise.all([ownerWs.dispose(), otherWs.dispose()]);

  const listed = await owner.graphql(
    '{ budgets { id status { spent percentUsed latestAlerts { kind threshold } } } budgetAlerts { id kind } }',
  );
  expect(listed.data.budgets).toEqual([
    {
      id: budget.id,
      status: { spent: '0.06', percentUsed: 60, latestAlerts: [{ kind: 'THRESHOLD', threshold: 50 }] },
    },
  ]);
  const alertId = listed.data.budgetAlerts[0].id;
  expect((await other.graphql('{ budgetAlerts { id } budgets { id } }')).data).toEqual({
    budgetAlerts: [],
    budgets: [],
  });
  const foreignAck = await other.graphql('mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }', {
    id: alertId,
  });
  expect(foreignAck.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  const ack = await owner.graphql('mutation($id: ID!) { acknowledgeAlert(id: $id) { acknowledgedAt } }', {
    id: alertId,
  });
  expect(ack.data.acknowledgeAlert.acknowledgedAt).toEqual(expect.any(String));

  const status = await owner.graphql(
    'query($id: ID!) { budgetStatus(budgetId: $id) { remaining projectedSpend periodEnd } }',
    { id: budget.id },
  );
  expect(status.data.budgetStatus.remaining).toBe('0.04');
  const updated = await owner.graphql(
    'mutation($id: ID!) { updateBudget(id: $id, input: { limit: "1" }) { limit status { remaining } } }',
    { id: budget.id },
  );
  expect(updated.data.updateBudget).toEqual({ limit: '1.00', status: { remaining: '0.94' } });
  const deleted = await owner.graphql('mutation($id: ID!) { deleteBudget(id: $id) }', { id: budget.id });
  expect(deleted.data.deleteBudget).toBe(true);
});
