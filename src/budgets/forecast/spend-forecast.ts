/**
 * Projected spend at the end of a budget's period, for the forecast alert and the status.
 * With enough daily history of the budget's scope (two weeks by default), the analytics
 * forecast (`forecastSeries`: Holt-Winters with a weekly season) predicts each remaining day and
 * the projection is the exact spend so far plus the predicted rest of the period. With less
 * history, or none to read, it falls back to the linear projection of the period so far.
 */
import { forecastSeries, type ForecastMethod } from '../../analytics/forecast/forecast';
import type { Logger } from '../../shared/logger';
import type { BudgetRecord } from '../budget-record';
import { projectSpend, type PeriodWindow } from '../period';

const DAY_MS = 86_400_000;

/** Daily spend (USD) of what a budget limits, one value per UTC day in [from, to), zeros included. */
export interface DailySpendHistory {
  dailySpend(budget: BudgetRecord, from: Date, to: Date): Promise<number[]>;
}

export interface SpendProjection {
  projectedNano: bigint;
  /** LINEAR_PERIOD: the period so far, extrapolated; otherwise the analytics method used. */
  method: ForecastMethod | 'LINEAR_PERIOD';
}

export interface BudgetForecasterOptions {
  history?: DailySpendHistory;
  logger?: Logger;
  /** Days of history needed before the analytics forecast is trusted over the linear projection. */
  minHistoryDays?: number;
  /** How many days back history is read. */
  historyDays?: number;
  /** Predictions are reused this long (past days do not change; today's spend is exact anyway). */
  cacheMs?: number;
}

interface CachedDays {
  at: number;
  /** Predicted USD per day from `from`, or null when history was too short. */
  values: number[] | null;
  method: ForecastMethod;
}

export class BudgetForecaster {
  private readonly minHistoryDays: number;
  private readonly historyDays: number;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, CachedDays>();

  constructor(private readonly options: BudgetForecasterOptions = {}) {
    this.minHistoryDays = options.minHistoryDays ?? 14;
    this.historyDays = options.historyDays ?? 56;
    this.cacheMs = options.cacheMs ?? 10 * 60_000;
  }

  /** Projected spend at the end of `window` given `spent` so far; null for open-ended windows. */
  async project(
    budget: BudgetRecord,
    spent: bigint,
    window: PeriodWindow,
    at: Date,
  ): Promise<SpendProjection | null> {
    if (!window.end) return null;
    const end = window.end.getTime();
    const now = at.getTime();
    if (now >= end) return { projectedNano: spent, method: 'LINEAR_PERIOD' };
    const predicted = await this.predictedDays(budget, window.end, at);
    if (predicted) {
      const today = Math.floor(now / DAY_MS) * DAY_MS;
      let rest = 0;
      predicted.values.forEach((usd, i) => {
        // Only the part of each predicted day still ahead of us and inside the period counts.
        const from = Math.max(today + i * DAY_MS, now);
        const to = Math.min(today + (i + 1) * DAY_MS, end);
        if (to > from) rest += (usd * (to - from)) / DAY_MS;
      });
      return { projectedNano: spent + BigInt(Math.round(rest * 1e9)), method: predicted.method };
    }
    const linear = projectSpend(spent, window, at);
    return linear === null ? null : { projectedNano: linear, method: 'LINEAR_PERIOD' };
  }

  private async predictedDays(budget: BudgetRecord, end: Date, at: Date) {
    const { history, logger } = this.options;
    if (!history) return null;
    const today = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
    const key = `${budget.id}|${today}|${end.getTime()}`;
    const cached = this.cache.get(key);
    if (cached && at.getTime() - cached.at < this.cacheMs)
      return cached.values ? { values: cached.values, method: cached.method } : null;
    let series: number[];
    try {
      series = await history.dailySpend(budget, new Date(today - this.historyDays * DAY_MS), new Date(today));
    } catch (error) {
      // The forecast is advisory: without history it falls back, it never fails the settle.
      logger?.warn({ err: error, budgetId: budget.id }, 'budget forecast history unavailable');
      return null;
    }
    // Days before the first spend are absence of data, not a history of zero spend.
    const first = series.findIndex((v) => v !== 0);
    const observed = first < 0 ? [] : series.slice(first);
    let entry: CachedDays;
    if (observed.length < this.minHistoryDays) {
      entry = { at: at.getTime(), values: null, method: 'MEAN' };
    } else {
      const horizon = Math.ceil((end.getTime() - today) / DAY_MS);
      const result = forecastSeries(observed, horizon);
      entry = { at: at.getTime(), values: result.points.map((p) => p.value), method: result.method };
    }
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(key, entry);
    return entry.values ? { values: entry.values, method: entry.method } : null;
  }
}
