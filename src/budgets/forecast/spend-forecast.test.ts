import { forecastSeries } from '../../analytics/forecast/forecast';
import { createLogger } from '../../shared/logger';
import type { BudgetRecord } from '../budget-record';
import { periodWindow } from '../period';
import { BudgetForecaster, type DailySpendHistory } from './spend-forecast';

const budget = {
  id: 'b1',
  organizationId: 'org-1',
  scope: 'PROJECT',
  scopeId: 'p1',
  period: 'MONTHLY',
  timezone: 'UTC',
} as BudgetRecord;
// 2026-03-10 06:00 UTC: the month runs to 2026-04-01, 21.75 days ahead.
const at = new Date('2026-03-10T06:00:00Z');
const month = periodWindow(budget, at)!;
const spent = 5_000_000_000n; // $5 so far

/** Four weeks of a weekly pattern: weekdays $2, weekends $0.50. */
const weekly = Array.from({ length: 28 }, (_, i) => ([5, 6].includes(i % 7) ? 0.5 : 2));

function historyOf(values: number[]) {
  const calls: { from: Date; to: Date }[] = [];
  const history: DailySpendHistory = {
    dailySpend: async (_b, from, to) => {
      calls.push({ from, to });
      return values;
    },
  };
  return { history, calls };
}

describe('BudgetForecaster', () => {
  it('uses the analytics forecast of the remaining days when there is enough history', async () => {
    const { history, calls } = historyOf([0, 0, 0, ...weekly]);
    const forecaster = new BudgetForecaster({ history });
    const projection = await forecaster.project(budget, spent, month, at);
    expect(projection?.method).toBe('HOLT_WINTERS');
    // The rest of today (three quarters of it) and the 21 following days of the forecast.
    const points = forecastSeries(weekly, 22).points.map((p) => p.value);
    const rest = points[0]! * 0.75 + points.slice(1).reduce((s, v) => s + v, 0);
    expect(projection?.projectedNano).toBe(spent + BigInt(Math.round(rest * 1e9)));
    expect(calls[0]).toEqual({
      from: new Date('2026-01-13T00:00:00Z'),
      to: new Date('2026-03-10T00:00:00Z'),
    });
    // Reused within the day: one history read.
    await forecaster.project(budget, spent, month, new Date('2026-03-10T06:05:00Z'));
    expect(calls).toHaveLength(1);
  });

  it('falls back to the linear projection with too little history, no history or a failing read', async () => {
    const linear =
      (spent * BigInt(month.end!.getTime() - month.start.getTime())) /
      BigInt(at.getTime() - month.start.getTime());
    const short = new BudgetForecaster({ history: historyOf([0, 1, 2, 3, 4, 5]).history });
    expect(await short.project(budget, spent, month, at)).toEqual({
      projectedNano: linear,
      method: 'LINEAR_PERIOD',
    });
    expect(await short.project(budget, spent, month, at)).toEqual({
      projectedNano: linear,
      method: 'LINEAR_PERIOD',
    });
    expect(await new BudgetForecaster().project(budget, spent, month, at)).toEqual({
      projectedNano: linear,
      method: 'LINEAR_PERIOD',
    });
    const logger = createLogger({ level: 'silent' });
    const warn = jest.spyOn(logger, 'warn');
    const failing = new BudgetForecaster({
      logger,
      history: { dailySpend: () => Promise.reject(new Error('rollups down')) },
    });
    expect((await failing.project(budget, spent, month, at))?.method).toBe('LINEAR_PERIOD');
    expect(warn).toHaveBeenCalled();
  });

  it('has nothing to project for open-ended windows and the spend itself once the window is over', async () => {
    const forecaster = new BudgetForecaster({ history: historyOf(weekly).history });
    expect(await forecaster.project(budget, spent, { start: new Date(0), end: null }, at)).toBeNull();
    expect(await forecaster.project(budget, spent, month, month.end!)).toEqual({
      projectedNano: spent,
      method: 'LINEAR_PERIOD',
    });
    expect(await new BudgetForecaster().project(budget, spent, month, month.start)).toBeNull();
  });
});
