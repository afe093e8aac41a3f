/**
 * Picks the forecasting method the history can support and says which one it used:
 * - two full seasons or more: additive Holt-Winters (weekly seasonality plus trend);
 * - at least three points: a linear trend, with the regression's prediction interval;
 * - fewer: a flat line at the mean, with an interval as wide as the data allows to claim.
 * Shorter histories always give wider intervals, and the result carries a note saying why.
 */
import { fitHoltWinters, forecastHoltWinters, type PointForecast } from './holt-winters';
import { fitLinear, linearAt } from './linear';

export type ForecastMethod = 'HOLT_WINTERS' | 'LINEAR' | 'MEAN';

export interface ForecastOptions {
  /** Season length in observations (7 for daily data with a weekly profile). */
  period?: number;
  /** Normal quantile for the interval; 1.96 gives a 95% interval. */
  z?: number;
  /** Spend and request counts cannot go below zero; clamp the forecast and its interval. */
  nonNegative?: boolean;
}

export interface ForecastResult {
  method: ForecastMethod;
  points: PointForecast[];
  /** Set when history was too short for the seasonal method. */
  note?: string;
  historyLength: number;
}

export function forecastSeries(
  history: number[],
  horizon: number,
  options: ForecastOptions = {},
): ForecastResult {
  const { period = 7, z = 1.96, nonNegative = true } = options;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError('horizon must be a positive integer');
  if (history.some((v) => !Number.isFinite(v))) throw new RangeError('history must contain finite numbers');
  const n = history.length;
  let result: ForecastResult;
  if (n >= 2 * period) {
    result = {
      method: 'HOLT_WINTERS',
      points: forecastHoltWinters(fitHoltWinters(history, period), horizon, z),
      historyLength: n,
    };
  } else if (n >= 3) {
    result = {
      method: 'LINEAR',
      points: linearForecast(history, horizon, z),
      historyLength: n,
      note: `Only ${n} observations: fewer than the ${2 * period} needed for seasonality, so this is a linear trend with a wider interval.`,
    };
  } else {
    result = {
      method: 'MEAN',
      points: meanForecast(history, horizon, z),
      historyLength: n,
      note:
        n === 0
          ? 'No history: the forecast is zero and carries no information.'
          : `Only ${n} observation(s): the forecast is their mean, with an interval of plus or minus the mean.`,
    };
  }
  if (nonNegative) {
    result.points = result.points.map((p) => ({
      ...p,
      value: Math.max(0, p.value),
      lower: Math.max(0, p.lower),
      upper: Math.max(0, p.upper),
    }));
  }
  return result;
}

function linearForecast(y: number[], horizon: number, z: number): PointForecast[] {
  const fit = fitLinear(y);
  const n = y.length;
  const meanX = (n - 1) / 2;
  const sxx = y.reduce((s, _v, x) => s + (x - meanX) ** 2, 0);
  return Array.from({ length: horizon }, (_, i) => {
    const x = n + i;
    const value = linearAt(fit, x);
    // OLS prediction interval, widened by the horizon so uncertainty never shrinks with distance.
    const half = z * fit.sigma * Math.sqrt(1 + 1 / n + (x - meanX) ** 2 / sxx) * Math.sqrt(1 + i / n);
    return { step: i + 1, value, lower: value - half, upper: value + half };
  });
}

function meanForecast(y: number[], horizon: number, z: number): PointForecast[] {
  const mean = y.length ? y.reduce((s, v) => s + v, 0) / y.length : 0;
  const spread = y.length > 1 ? Math.abs((y[1] as number) - (y[0] as number)) : 0;
  const half = Math.max(Math.abs(mean), spread) * (z / 1.96);
  return Array.from({ length: horizon }, (_, i) => ({
    step: i + 1,
    value: mean,
    lower: mean - half,
    upper: mean + half,
  }));
}

/** Mean absolute percentage error over the points where the actual value is not zero. */
export function mape(actual: number[], predicted: number[]): number {
  let sum = 0;
  let count = 0;
  actual.forEach((a, i) => {
    if (a !== 0) {
      sum += Math.abs((a - (predicted[i] as number)) / a);
      count += 1;
    }
  });
  return count ? (sum / count) * 100 : 0;
}
