/**
 * Direction, slope and period-over-period change of an evenly spaced series (for `trends`).
 * The slope is a least-squares fit; a change smaller than the noise is reported as flat.
 */
import { fitLinear } from '../forecast/linear';

export type TrendDirection = 'UP' | 'DOWN' | 'FLAT';

export interface TrendSummary {
  direction: TrendDirection;
  /** Change per bucket, from the least-squares line. */
  slope: number;
  /** Relative change of the second half's total against the first half's, in percent; null when the first is 0. */
  periodOverPeriodPercent: number | null;
  currentTotal: number;
  previousTotal: number;
}

export function summariseTrend(values: number[]): TrendSummary {
  const half = Math.floor(values.length / 2);
  const previous = values.slice(values.length - 2 * half, values.length - half);
  const current = values.slice(values.length - half);
  const sum = (xs: number[]) => xs.reduce((s, v) => s + v, 0);
  const previousTotal = sum(previous);
  const currentTotal = sum(current);
  const fit = fitLinear(values);
  // Flat unless the line moves by more than its own residual noise over the whole window.
  const movement = Math.abs(fit.slope) * Math.max(1, values.length - 1);
  const direction: TrendDirection =
    values.length < 2 || movement <= fit.sigma || fit.slope === 0 ? 'FLAT' : fit.slope > 0 ? 'UP' : 'DOWN';
  return {
    direction,
    slope: fit.slope,
    periodOverPeriodPercent:
      previousTotal === 0 ? null : ((currentTotal - previousTotal) / previousTotal) * 100,
    currentTotal,
    previousTotal,
  };
}
