/**
 * Wall-clock arithmetic in IANA timezones with nothing but `Intl`: the offset of a zone at
 * an instant, and the instant at which a local calendar day begins (DST-aware, including
 * zones whose clocks jump over midnight).
 */
export interface LocalDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let cached = formatters.get(timeZone);
  if (!cached) {
    cached = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, cached);
  }
  return cached;
}

/** True when the runtime knows this IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

function wallClock(instant: number, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return parts as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

/** Offset of the zone from UTC at `instant`, in milliseconds (east positive). */
export function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/** The local calendar date at `instant` in the zone. */
export function localDate(instant: Date, timeZone: string): LocalDate {
  const w = wallClock(instant.getTime(), timeZone);
  return { year: w.year, month: w.month, day: w.day };
}

/** Adds days (or months) to a calendar date, normalising overflow (Jan 32 -> Feb 1). */
export function addToDate(date: LocalDate, days: number, months = 0): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1 + months, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Day of week of a calendar date, Monday = 0 ... Sunday = 6. */
export function isoWeekday(date: LocalDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}

/**
 * The first instant of a local calendar day. Midnight M satisfies M + offset(M) = wall time;
 * the offsets just before and after any transition that day are the only candidates. In a
 * fall-back overlap the earlier consistent candidate wins; when DST skips midnight no
 * candidate is consistent and the day begins at the transition, found by bisection.
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day);
  const offsets = new Set([
    offsetAt(wall - DAY_MS, timeZone),
    offsetAt(wall, timeZone),
    offsetAt(wall + DAY_MS, timeZone),
  ]);
  const consistent = [...offsets].map((o) => wall - o).filter((c) => c + offsetAt(c, timeZone) === wall);
  if (consistent.length > 0) return new Date(Math.min(...consistent));
  let before = wall - Math.max(...offsets); // still on the previous local day
  let after = wall - Math.min(...offsets); // already on this local day
  while (after - before > 1000) {
    const mid = before + Math.floor((after - before) / 2);
    if (isSameOrAfter(localDate(new Date(mid), timeZone), date)) after = mid;
    else before = mid;
  }
  return new Date(after);
}

const DAY_MS = 86_400_000;

function isSameOrAfter(a: LocalDate, b: LocalDate): boolean {
  return a.year * 10_000 + a.month * 100 + a.day >= b.year * 10_000 + b.month * 100 + b.day;
}
