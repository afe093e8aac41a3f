/**
 * Budget periods: which window an instant falls in, in the budget's timezone.
 * Days start at local midnight, weeks on Monday, months on the 1st. CUSTOM is an explicit
 * [startsAt, endsAt) window, TOTAL never resets, PER_REQUEST has no window at all.
 */
import { addToDate, isoWeekday, localDate, startOfLocalDay } from './timezone';

export const BUDGET_PERIODS = ['PER_REQUEST', 'DAILY', 'WEEKLY', 'MONTHLY', 'CUSTOM', 'TOTAL'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export interface PeriodSpec {
  period: BudgetPeriod;
  timezone: string;
  startsAt?: Date | null;
  endsAt?: Date | null;
}

export interface PeriodWindow {
  start: Date;
  /** Exclusive; null for TOTAL. */
  end: Date | null;
}

/** TOTAL budgets accumulate from the beginning of time; one counter, one window. */
export const TOTAL_START = new Date(0);

/**
 * The window containing `at`, or null when the budget has none at that instant
 * (PER_REQUEST always; CUSTOM before its start or after its end).
 */
export function periodWindow(spec: PeriodSpec, at: Date): PeriodWindow | null {
  const tz = spec.timezone;
  switch (spec.period) {
    case 'PER_REQUEST':
      return null;
    case 'TOTAL':
      return { start: TOTAL_START, end: null };
    case 'CUSTOM': {
      if (!spec.startsAt || !spec.endsAt) return null;
      if (at < spec.startsAt || at >= spec.endsAt) return null;
      return { start: spec.startsAt, end: spec.endsAt };
    }
    case 'DAILY': {
      const day = localDate(at, tz);
      return { start: startOfLocalDay(day, tz), end: startOfLocalDay(addToDate(day, 1), tz) };
    }
    case 'WEEKLY': {
      const day = localDate(at, tz);
      const monday = addToDate(day, -isoWeekday(day));
      return { start: startOfLocalDay(monday, tz), end: startOfLocalDay(addToDate(monday, 7), tz) };
    }
    case 'MONTHLY': {
      const day = localDate(at, tz);
      const first = { year: day.year, month: day.month, day: 1 };
      return { start: startOfLocalDay(first, tz), end: startOfLocalDay(addToDate(first, 0, 1), tz) };
    }
  }
}

/** Recent windows per period spec: computing one walks the zone's offsets (Intl), which the hot path avoids. */
const recentWindows = new Map<string, PeriodWindow>();
const MAX_REMEMBERED_WINDOWS = 10_000;

/** `periodWindow`, remembered per spec while `at` stays inside the window last computed for it. */
export function currentWindow(spec: PeriodSpec, at: Date): PeriodWindow | null {
  if (spec.period === 'PER_REQUEST' || spec.period === 'TOTAL' || spec.period === 'CUSTOM')
    return periodWindow(spec, at);
  const key = `${spec.period}|${spec.timezone}`;
  const known = recentWindows.get(key);
  const t = at.getTime();
  if (known && t >= known.start.getTime() && known.end && t < known.end.getTime()) return known;
  const window = periodWindow(spec, at);
  if (recentWindows.size >= MAX_REMEMBERED_WINDOWS) recentWindows.clear();
  if (window) recentWindows.set(key, window);
  return window;
}

/**
 * Linear projection of spend at the end of the window: spend so far scaled by the
 * fraction of the window elapsed. Null for open-ended windows or before any time passed.
 */
export function projectSpend(spent: bigint, window: PeriodWindow, at: Date): bigint | null {
  if (!window.end) return null;
  const elapsed = BigInt(at.getTime() - window.start.getTime());
  const length = BigInt(window.end.getTime() - window.start.getTime());
  if (elapsed <= 0n || length <= 0n) return null;
  if (elapsed >= length) return spent;
  return (spent * length) / elapsed;
}
