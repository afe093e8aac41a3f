/**
 * Budget management through the service the GraphQL API calls: roles, validation with
 * field-level errors, limit changes applied to live counters, and status.
 */
import type { Caller } from '../../src/auth/roles';
import { BudgetService } from '../../src/budgets/budget.service';
import { ValidationError } from '../../src/shared/errors';
import { parseUsd } from '../../src/shared/money';
import { startBudgetFixture, type BudgetFixture } from './support/budget-fixture';

const PROJECT = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER_PROJECT = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const owner: Caller = {
  userId: 'u-owner',
  organizationId: 'org-1',
  apiKeyId: 'k-owner',
  role: 'owner',
  projectRoles: {},
};
const projectAdmin: Caller = {
  userId: 'u-pa',
  organizationId: 'org-1',
  apiKeyId: 'k-pa',
  role: 'member',
  projectRoles: { [PROJECT]: 'admin' },
};
const member: Caller = {
  userId: 'u-m',
  organizationId: 'org-1',
  apiKeyId: 'k-m',
  role: 'member',
  projectRoles: { [PROJECT]: 'member' },
};
const stranger: Caller = { ...owner, organizationId: 'org-2', userId: 'u-x' };

let fx: BudgetFixture;
let service: BudgetService;

beforeEach(async () => {
  fx = await startBudgetFixture();
  service = new BudgetService({
    models: fx.models,
    store: fx.store,
    alerts: fx.alerts,
    clock: fx.clock,
    scopeExists: async (_org, scope, id) => scope !== 'PROJECT' || id === PROJECT || id === OTHER_PROJECT,
  });
});
afterEach(async () => fx.stop());

const projectBudget = { scope: 'PROJECT', scopeId: PROJECT, period: 'DAILY', limit: '10' };

it('lets owners and project admins manage budgets, and members only read those that apply to them', async () => {
  const b = await service.create(projectAdmin, projectBudget);
  expect(b).toMatchObject({
    organizationId: 'org-1',
    thresholds: [50, 80, 100],
    action: 'BLOCK',
    timezone: 'UTC',
  });
  await expect(service.create(member, projectBudget)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(
    service.create(projectAdmin, { ...projectBudget, scopeId: OTHER_PROJECT }),
  ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(
    service.create(projectAdmin, { ...projectBudget, scope: 'ORGANIZATION', scopeId: 'org-1' }),
  ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  const org = await service.create(owner, { ...projectBudget, scope: 'ORGANIZATION', scopeId: 'org-1' });
  const other = await service.create(owner, { ...projectBudget, scopeId: OTHER_PROJECT });
  const mine = await service.create(owner, { ...projectBudget, scope: 'USER', scopeId: 'u-m' });
  expect((await service.list(member)).map((x) => x.id).sort()).toEqual([b.id, org.id, mine.id].sort());
  expect((await service.list(owner)).map((x) => x.id)).toContain(other.id);
  await expect(service.get(member, other.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  await expect(service.get(stranger, b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  expect(await service.list(stranger)).toEqual([]);
  await expect(service.update(member, b.id, { limit: '1' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(service.delete(stranger, b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  expect(await service.delete(projectAdmin, b.id)).toBe(true);
  expect(await service.list(owner, { scope: 'PROJECT' })).toHaveLength(1);
});

it('rejects bad input with field-level errors', async () => {
  const issues = async (input: Record<string, unknown>) => {
    const error = await service.create(owner, { ...projectBudget, ...input }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((i) => i.field);
  };
  expect(await issues({ limit: '-1' })).toEqual(['limit']);
  expect(await issues({ thresholds: [0, 120] })).toEqual(['thresholds.0', 'thresholds.1']);
  expect(await issues({ thresholds: [80, 50] })).toEqual(['thresholds']);
  expect(await issues({ timezone: 'Not/AZone' })).toEqual(['timezone']);
  expect(
    await issues({ period: 'CUSTOM', startsAt: '2026-02-01T00:00:00Z', endsAt: '2026-01-01T00:00:00Z' }),
  ).toEqual(['endsAt']);
  await expect(
    service.create(owner, { ...projectBudget, scopeId: 'cccccccccccccccccccccccc' }),
  ).rejects.toMatchObject({
    code: 'BAD_USER_INPUT',
    details: { fields: [{ field: 'scopeId', message: expect.any(String) }] },
  });
  await expect(
    service.create(owner, { ...projectBudget, scope: 'ORGANIZATION', scopeId: 'org-9' }),
  ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
});

it('applies a new limit to the live counter and reports status', async () => {
  const b = await service.create(owner, { ...projectBudget, limit: '0.02' });
  await fx.reservations.reserve({
    requestId: 'r',
    organizationId: 'org-1',
    budgets: [b],
    estimateNano: parseUsd('0.02'),
  });
  await fx.reservations.settle('r', parseUsd('0.015'));
  await expect(
    fx.reservations.reserve({
      requestId: 'r2',
      organizationId: 'org-1',
      budgets: [b],
      estimateNano: parseUsd('0.01'),
    }),
  ).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
  const raised = await service.update(owner, b.id, { limit: '1' });
  expect(raised.limitNano).toBe(parseUsd('1'));
  await fx.reservations.reserve({
    requestId: 'r3',
    organizationId: 'org-1',
    budgets: [raised],
    estimateNano: parseUsd('0.01'),
  });
  const status = await service.status(raised);
  expect(status).toMatchObject({
    spentNano: parseUsd('0.015'),
    reservedNano: parseUsd('0.01'),
    remainingNano: parseUsd('0.975'),
    percentUsed: 1.5,
    projectedNano: parseUsd('0.03'),
  });
  expect(status.periodStart?.toISOString()).toBe('2026-03-10T00:00:00.000Z');
  expect(status.latestAlerts.map((a) => a.kind)).toEqual(expect.arrayContaining(['THRESHOLD', 'EXCEEDED']));
  await expect(service.update(owner, b.id, { thresholds: [90, 10] })).rejects.toBeInstanceOf(ValidationError);
  const perRequest = await service.create(owner, { ...projectBudget, period: 'PER_REQUEST' });
  expect(await service.status(perRequest)).toMatchObject({
    spentNano: 0n,
    periodStart: null,
    projectedNano: null,
  });
});
