/**
 * Local calendar days for reports in a time zone: each hourly rollup is assigned to the local day
 * its start falls in. Exact for every zone whose offset is a whole number of hours; for zones with
 * half-hour offsets (e.g. Asia/Kolkata) the hour straddling midnight is counted in the day it starts.
 */
import { ValidationError } from '../../shared/errors';

const formatters = new Map<string, Intl.DateTimeFormat>();

export function assertTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone });
    return timeZone;
  } catch {
    throw new ValidationError([
      {
        field: 'timezone',
        message: `unknown time zone "${timeZone}" (use an IANA name such as Europe/Paris)`,
      },
    ]);
  }
}

/** "2026-03-04" for the local date of `at` in `timeZone`. */
export function localDay(at: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f.format(at);
}

export function isUtc(timeZone: string): boolean {
  return timeZone === 'UTC' || timeZone === 'Etc/UTC' || timeZone === 'GMT';
}
