/**
 * Budgets at every hour: the same spend, settled at 01:00, 03:00, 13:00 and 23:30 local time in
 * Europe/Paris and Pacific/Auckland, through the real app on an injected clock. A daily budget's
 * period starts at local midnight, the threshold alert is raised whatever the hour, and a
 * forecast alert comes exactly when the day so far, extrapolated, overshoots the limit.
 */
import { FORECAST_MIN_ELAPSED } from '../../src/budgets/alert-rules';
import { parseUsd } from '../../src/shared/money';
import type { Clock } from '../../src/shared/clock';
import { startTestApp, type TestApp } from '../helpers/app';
import { clockAt, instantAt, TIMES_OF_DAY_IN_ZONES } from '../helpers/clock';

let current: Clock = clockAt('12:00', 'UTC');
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ clock: { now: () => current.now() } });
});
afterAll(async () => app.stop());

describe.each(TIMES_OF_DAY_IN_ZONES)('at $label', ({ time, zone }) => {
  it('starts the day at local midnight, raises the threshold, and forecasts only a trusted overshoot', async () => {
    current = clockAt(time, zone);
    const owner = await app.seed.createOwner();
    const created = await owner.graphql(
      `mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id status { periodStart } } }`,
      {
        input: {
          scope: 'ORGANIZATION',
          scopeId: owner.organizationId,
          period: 'DAILY',
          limit: '0.10',
          timezone: zone,
        },
      },
    );
    expect(created.errors).toBeUndefined();
    const { id, status } = created.data.createBudget;
    expect(status.periodStart).toBe(instantAt('00:00', zone).toISOString());

    const budgets = app.runtime.services.budgets;
    const record = (await budgets.store.find(id))!;
    await budgets.reservations.reserve({
      requestId: `tod-${zone}-${time}`,
      organizationId: owner.organizationId,
      budgets: [record],
      estimateNano: parseUsd('0.06'),
    });
    await budgets.reservations.settle(`tod-${zone}-${time}`, parseUsd('0.06'));

    const listed = await owner.graphql('{ budgetAlerts { kind threshold } }');
    const kinds = listed.data.budgetAlerts.map((a: { kind: string }) => a.kind).sort();
    // 60% of the limit is spent: the day extrapolates past 100% while less than 60% of it is gone,
    // and the extrapolation is trusted once a tenth of the day has passed.
    const [hours, minutes] = time.split(':').map(Number) as [number, number];
    const elapsed = (hours + minutes / 60) / 24;
    const overshoots = elapsed >= FORECAST_MIN_ELAPSED && elapsed < 0.6;
    expect(kinds).toEqual(overshoots ? ['FORECAST', 'THRESHOLD'] : ['THRESHOLD']);
    expect(listed.data.budgetAlerts.find((a: { kind: string }) => a.kind === 'THRESHOLD').threshold).toBe(50);
  });
});
