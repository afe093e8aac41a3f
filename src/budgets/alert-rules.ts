/**
 * Pure rules deciding which alerts a spend change raises: thresholds newly reached,
 * a projected end-of-period spend that overshoots the limit, and the severity of each.
 */
import { reachesPercent } from './arithmetic';
import type { SpendProjection } from './forecast/spend-forecast';
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

/**
 * Projected end-of-window spend when it overshoots the limit (and is still worth warning about),
 * else null. A linear projection of the period so far is trusted only after a tenth of the window;
 * a forecast from daily history is trusted from the start.
 */
export function overshootingForecast(
  spent: bigint,
  limit: bigint,
  window: PeriodWindow,
  at: Date,
  projection: SpendProjection | null = linearProjection(spent, window, at),
): bigint | null {
  if (!window.end || !projection || spent <= 0n || spent >= limit) return null;
  if (projection.method === 'LINEAR_PERIOD') {
    const length = window.end.getTime() - window.start.getTime();
    if ((at.getTime() - window.start.getTime()) / length < FORECAST_MIN_ELAPSED) return null;
  }
  return projection.projectedNano > limit ? projection.projectedNano : null;
}

function linearProjection(spent: bigint, window: PeriodWindow, at: Date): SpendProjection | null {
  const projected = projectSpend(spent, window, at);
  return projected === null ? null : { projectedNano: projected, method: 'LINEAR_PERIOD' };
}
