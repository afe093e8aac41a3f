import type { BudgetRecord } from '../budget-record';
import { RollupSpendHistory, type SpendSeriesReader } from './rollup-spend-history';

describe('RollupSpendHistory', () => {
  it("reads the daily COST series of the budget's scope from the analytics reports", async () => {
    const metricSeries = jest.fn<
      ReturnType<SpendSeriesReader['metricSeries']>,
      Parameters<SpendSeriesReader['metricSeries']>
    >(async () => [
      { at: new Date('2026-03-01T00:00:00Z'), value: 1.5 },
      { at: new Date('2026-03-02T00:00:00Z'), value: 0 },
    ]);
    const history = new RollupSpendHistory({ metricSeries });
    const from = new Date('2026-03-01T00:00:00Z');
    const to = new Date('2026-03-03T00:00:00Z');
    const of = (scope: string, scopeId: string) =>
      history.dailySpend({ organizationId: 'org-1', scope, scopeId } as BudgetRecord, from, to);
    expect(await of('PROJECT', 'p1')).toEqual([1.5, 0]);
    await of('USER', 'u1');
    await of('API_KEY', 'k1');
    await of('ORGANIZATION', 'org-1');
    expect(
      metricSeries.mock.calls.map(([filter, metric, granularity]) => [filter, metric, granularity]),
    ).toEqual([
      [{ organizationId: 'org-1', from, to, projectId: 'p1' }, 'COST', 'DAY'],
      [{ organizationId: 'org-1', from, to, userId: 'u1' }, 'COST', 'DAY'],
      [{ organizationId: 'org-1', from, to, apiKeyId: 'k1' }, 'COST', 'DAY'],
      [{ organizationId: 'org-1', from, to }, 'COST', 'DAY'],
    ]);
  });
});
