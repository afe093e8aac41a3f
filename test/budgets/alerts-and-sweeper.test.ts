/**
 * Alerts fire exactly once per budget/period/threshold (also across a restart), and the
 * sweeper expires reservations of dead processes and repairs drifted counters.
 */
import { AlertService } from '../../src/budgets/alert.service';
import { parseCreateBudget } from '../../src/budgets/budget-input';
import type { BudgetRecord } from '../../src/budgets/budget-record';
import { findCounter } from '../../src/budgets/counters';
import { periodWindow } from '../../src/budgets/period';
import { BudgetForecaster } from '../../src/budgets/forecast/spend-forecast';
import { parseUsd } from '../../src/shared/money';
import { startBudgetFixture, type BudgetFixture } from './support/budget-fixture';

const ORG = 'org-1';
const CENT = parseUsd('0.01');
let fx: BudgetFixture;

beforeEach(async () => {
  fx = await startBudgetFixture({ reservationTtlMs: 60_000 });
});
afterEach(async () => fx.stop());

function budget(fields: Record<string, unknown> = {}): Promise<BudgetRecord> {
  return fx.store.insert(
    ORG,
    parseCreateBudget({ scope: 'PROJECT', scopeId: 'p1', period: 'DAILY', limit: '0.10', ...fields }),
    null,
  );
}

async function spend(b: BudgetRecord, id: string, actual: bigint) {
  await fx.reservations.reserve({ requestId: id, organizationId: ORG, budgets: [b], estimateNano: CENT });
  await fx.reservations.settle(id, actual);
}

const counterOf = (b: BudgetRecord) =>
  findCounter(fx.models.Counter, b.id, periodWindow(b, fx.clock.now())!.start);

function sweeper(spent?: bigint) {
  return fx.sweeper({ spend: spent === undefined ? undefined : { spentInWindow: async () => spent } });
}

describe('threshold alerts', () => {
  it('fire once per threshold as settled spend crosses them, with severities', async () => {
    const b = await budget();
    await spend(b, 'a', parseUsd('0.04'));
    expect(fx.published).toHaveLength(0);
    await spend(b, 'b', parseUsd('0.045')); // 85%: crosses 50 and 80
    await spend(b, 'c', parseUsd('0.001'));
    await spend(b, 'd', parseUsd('0.02')); // 106%: crosses 100
    const thresholds = fx.published.filter((a) => a.kind === 'THRESHOLD');
    expect(thresholds.map((a) => [a.threshold, a.severity])).toEqual([
      [50, 'INFO'],
      [80, 'WARNING'],
      [100, 'CRITICAL'],
    ]);
    expect(thresholds[2]).toMatchObject({
      spentNano: parseUsd('0.106'),
      limitNano: parseUsd('0.10'),
      budgetId: b.id,
    });
    expect(thresholds[2]?.periodStart?.toISOString()).toBe('2026-03-10T00:00:00.000Z');
  });

  it('do not fire again after a restart, but fire again in the next period', async () => {
    const b = await budget();
    await spend(b, 'a', parseUsd('0.06'));
    const restarted = new AlertService(fx.models, fx.clock, []);
    const counter = await counterOf(b);
    expect(await restarted.catchUp(b, counter!)).toEqual([]);
    expect(await fx.models.Alert.countDocuments({ kind: 'THRESHOLD' })).toBe(1);
    fx.clock.set('2026-03-11T00:00:01Z');
    await spend(b, 'next', parseUsd('0.06'));
    expect(await fx.models.Alert.countDocuments({ kind: 'THRESHOLD', threshold: 50 })).toBe(2);
  });

  it('forecast an overshoot once per period', async () => {
    const b = await budget();
    // 12:00: half the day gone, 60% spent -> projected 120%.
    await spend(b, 'a', parseUsd('0.03'));
    await spend(b, 'b', parseUsd('0.03'));
    await spend(b, 'c', parseUsd('0.001'));
    const forecasts = fx.published.filter((a) => a.kind === 'FORECAST');
    expect(forecasts).toHaveLength(1);
    expect(forecasts[0]?.projectedNano).toBe(parseUsd('0.12'));
  });

  it('forecast from daily history when there is enough of it, even early in the period', async () => {
    // 2026-03-10 12:00 is 30% into March. $6 of history a day projects far past a $100 monthly limit,
    // while the linear projection of $10 spent so far ($33) would not warn.
    const b = await budget({ period: 'MONTHLY', limit: '100' });
    const history = { dailySpend: jest.fn(async () => Array.from({ length: 28 }, () => 6)) };
    const forecasting = new AlertService(fx.models, fx.clock, [], new BudgetForecaster({ history }));
    await fx.reservations.reserve({ requestId: 'm', organizationId: ORG, budgets: [b], estimateNano: CENT });
    await fx.reservations.settle('m', parseUsd('10'));
    expect(fx.published.filter((a) => a.kind === 'FORECAST')).toEqual([]); // linear: $33 projected
    const counter = (await counterOf(b))!;
    const raised = await forecasting.onSpendChanged(b, counter, 0n);
    const forecast = raised.find((a) => a.kind === 'FORECAST');
    // $10 + $6 for the remaining half of today and each of the 21 days left in March.
    expect(forecast?.projectedNano).toBe(parseUsd('10') + (parseUsd('6') * 43n) / 2n);
    expect(forecast?.message).toMatch(/forecast from its daily spend history/);
    expect(await forecasting.onSpendChanged(b, counter, 0n)).toEqual([]); // once per period
  });

  it('fall back to the linear projection when history is short', async () => {
    const b = await budget({ limit: '0.10' });
    const history = { dailySpend: jest.fn(async () => [0, 0, 0.02, 0.03]) };
    const forecasting = new AlertService(fx.models, fx.clock, [], new BudgetForecaster({ history }));
    await fx.reservations.reserve({ requestId: 'l', organizationId: ORG, budgets: [b], estimateNano: CENT });
    await fx.reservations.settle('l', parseUsd('0.06'));
    // The fixture's linear-only service already raised it; clear it to raise it again with history.
    await fx.models.Alert.deleteMany({ kind: 'FORECAST' });
    const raised = await forecasting.onSpendChanged(b, (await counterOf(b))!, parseUsd('0.06'));
    const forecast = raised.find((a) => a.kind === 'FORECAST');
    expect(forecast?.projectedNano).toBe(parseUsd('0.12')); // 60% at noon, doubled
    expect(forecast?.message).toMatch(/the period so far, extrapolated/);
    expect(history.dailySpend).toHaveBeenCalled();
  });

  it('are listed newest first, filtered, and acknowledged idempotently', async () => {
    const b = await budget();
    await spend(b, 'a', parseUsd('0.085'));
    const listed = await fx.alerts.list({ organizationId: ORG, kinds: ['THRESHOLD'] });
    expect(listed.map((a) => a.threshold)).toEqual([80, 50]);
    expect(await fx.alerts.list({ organizationId: 'other-org' })).toEqual([]);
    fx.clock.advance(1000);
    const acked = await fx.alerts.acknowledge(listed[0]!.id, 'u1');
    expect(acked.acknowledgedAt?.toISOString()).toBe('2026-03-10T12:00:01.000Z');
    fx.clock.advance(1000);
    expect((await fx.alerts.acknowledge(listed[0]!.id, 'u1')).acknowledgedAt).toEqual(acked.acknowledgedAt);
    const open = await fx.alerts.list({ organizationId: ORG, budgetIds: [b.id], unacknowledgedOnly: true });
    expect(open.map((a) => a.id)).not.toContain(listed[0]!.id);
    await expect(fx.alerts.acknowledge('nope', null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(fx.alerts.get('0123456789abcdef01234567')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('sweeper', () => {
  it("expires a dead process's reservations so users within budget are no longer blocked", async () => {
    const b = await budget({ limit: '0.01' });
    await fx.reservations.reserve({
      requestId: 'dead',
      organizationId: ORG,
      budgets: [b],
      estimateNano: CENT,
    });
    await expect(
      fx.reservations.reserve({
        requestId: 'blocked',
        organizationId: ORG,
        budgets: [b],
        estimateNano: CENT,
      }),
    ).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect((await sweeper().sweep()).expired).toBe(0); // not expired yet
    fx.clock.advance(60_001);
    const result = await sweeper().sweep();
    expect(result.expired).toBe(1);
    expect(await fx.models.Reservation.findById('dead').lean()).toMatchObject({ status: 'EXPIRED' });
    expect(await counterOf(b)).toMatchObject({ reservedNano: 0n, headroomNano: CENT });
    await fx.reservations.reserve({ requestId: 'ok', organizationId: ORG, budgets: [b], estimateNano: CENT });
  });

  it('expires a PENDING reservation without subtracting what it may never have added', async () => {
    const b = await budget();
    await fx.reservations.reserve({ requestId: 'ok', organizationId: ORG, budgets: [b], estimateNano: CENT });
    const counter = (await counterOf(b))!;
    // A process wrote its PENDING record but died before its increment landed.
    await fx.models.Reservation.create({
      _id: 'died-pending',
      organizationId: ORG,
      items: [{ budgetId: b.id, counterId: counter.id, amountNano: CENT }],
      estimateNano: CENT,
      status: 'PENDING',
      expiresAt: new Date(fx.clock.now().getTime() + 60_000),
      createdAt: fx.clock.now(),
    });
    fx.clock.advance(60_001);
    expect((await sweeper().sweep()).expired).toBe(2);
    expect(await fx.models.Reservation.findById('died-pending').lean()).toMatchObject({ status: 'EXPIRED' });
    expect(await fx.models.Reservation.findById('ok').lean()).toMatchObject({ status: 'EXPIRED' });
    // The HELD one was subtracted; the PENDING one was never counted and is not subtracted.
    expect(await counterOf(b)).toMatchObject({ reservedNano: 0n, headroomNano: parseUsd('0.10') });
  });

  it('repairs a counter that drifted from the cost records and held reservations, once it is quiet', async () => {
    const b = await budget();
    await spend(b, 'a', parseUsd('0.02'));
    await fx.reservations.reserve({
      requestId: 'held',
      organizationId: ORG,
      budgets: [b],
      estimateNano: CENT,
    });
    // A process died between its increment and its reservation write: 0.05 reserved by nobody.
    const counter = await counterOf(b);
    await fx.models.Counter.updateOne(
      { _id: counter!.id },
      { $inc: { reservedNano: parseUsd('0.05'), headroomNano: -parseUsd('0.05') } },
    );
    expect((await sweeper(parseUsd('0.03')).repairCounters()).repaired).toBe(0); // touched too recently
    fx.clock.advance(61_000);
    const result = await sweeper(parseUsd('0.03')).repairCounters();
    expect(result).toMatchObject({ checked: 1, repaired: 1 });
    expect(await counterOf(b)).toMatchObject({
      spentNano: parseUsd('0.03'),
      reservedNano: CENT,
      headroomNano: parseUsd('0.06'),
    });
    expect((await sweeper(parseUsd('0.03')).repairCounters()).repaired).toBe(0);
  });

  it('raises thresholds that were reached but never alerted', async () => {
    const b = await budget();
    await spend(b, 'a', parseUsd('0.01'));
    const counter = await counterOf(b);
    // Spend counted, but the process died before its alert: simulate with a direct increment.
    await fx.models.Counter.updateOne(
      { _id: counter!.id },
      { $inc: { spentNano: parseUsd('0.05'), headroomNano: -parseUsd('0.05') } },
    );
    fx.clock.advance(61_000);
    const result = await sweeper().repairCounters();
    expect(result.alerts).toBeGreaterThanOrEqual(1);
    expect(fx.published.filter((a) => a.kind === 'THRESHOLD').map((a) => a.threshold)).toEqual([50]);
  });
});
