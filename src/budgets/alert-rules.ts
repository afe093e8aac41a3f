/**
 * Pure rules deciding which alerts a spend change raises: thresholds newly reached,
 * a forecast that overshoots the limit, and the severity of each.
 */
import { reachesPercent } from './arithmetic';
import { projectSpend, type PeriodWindow } from './period';

/** Thresholds reached by `after` that `before` had not reached. */
export function crossedThresholds(
  thresholds: number[],
  limit: bigint,
  before: bigint,
  after: bigint,
): number[] {
  return thresholds.filter((t) => reachesPercent(after, limit, t) && !reachesPercent(before, limit, t));
}

/** Every threshold `spent` has reached (used by the sweeper to catch up on missed alerts). */
export function reachedThresholds(thresholds: number[], limit: bigint, spent: bigint): number[] {
  return thresholds.filter((t) => reachesPercent(spent, limit, t));
}

export function thresholdSeverity(threshold: number): 'INFO' | 'WARNING' | 'CRITICAL' {
  if (threshold >= 100) return 'CRITICAL';
  if (threshold >= 80) return 'WARNING';
  return 'INFO';
}

/** The forecast only speaks once a tenth of the window has passed: earlier, one request extrapolates wildly. */
export const FORECAST_MIN_ELAPSED = 0.1;

/** Projected end-of-window spend when it overshoots the limit (and is still worth warning about), else null. */
export function overshootingForecast(
  spent: bigint,
  limit: bigint,
  window: PeriodWindow,
  at: Date,
): bigint | null {
  if (!window.end || spent <= 0n || spent >= limit) return null;
  const length = window.end.getTime() - window.start.getTime();
  if ((at.getTime() - window.start.getTime()) / length < FORECAST_MIN_ELAPSED) return null;
  const projected = projectSpend(spent, window, at);
  return projected !== null && projected > limit ? projected : null;
}
