/**
 * Clocks for tests that must not depend on the time of day. `clockAt('03:00', 'Europe/Paris')`
 * starts at that local time on a fixed future date and then runs at real speed, so timeouts and
 * expiries still pass while budget periods, alerts and forecasts see a chosen hour. The date sits
 * years ahead, so the database's TTL monitor (which deletes by the real clock) never removes
 * documents whose expiry follows the test clock.
 *
 * `testClock()` is what a time-sensitive suite should inject: a fixed default, or the time named
 * by `TEST_CLOCK` ("03:00@Europe/Paris"), so a whole suite can be run at any hour:
 *
 *   TEST_CLOCK='01:00@Pacific/Auckland' npx jest test/budgets test/analytics
 */
import { offsetAt, startOfLocalDay } from '../../src/budgets/timezone';
import type { Clock } from '../../src/shared/clock';

/** The hours that have caught time-of-day bugs: night, early morning, midday, late evening. */
export const TIMES_OF_DAY = ['01:00', '03:00', '13:00', '23:30'] as const;
/** A zone behind UTC's midnight and one far ahead of it (on the other side of the date line). */
export const TEST_ZONES = ['Europe/Paris', 'Pacific/Auckland'] as const;
/** Every combination, for `describe.each(TIMES_OF_DAY_IN_ZONES)`. */
export const TIMES_OF_DAY_IN_ZONES = TEST_ZONES.flatMap((zone) =>
  TIMES_OF_DAY.map((time) => ({ time, zone, label: `${time} in ${zone}` })),
);

const DEFAULT_DATE = { year: 2036, month: 6, day: 17 };

/** The instant at which it is `hh:mm` local time in `zone` on `date`. */
export function instantAt(
  time: string,
  zone: string,
  date: { year: number; month: number; day: number } = DEFAULT_DATE,
): Date {
  const match = /^(\d{2}):(\d{2})$/.exec(time);
  if (!match) throw new Error(`time must be hh:mm, got ${JSON.stringify(time)}`);
  const midnight = startOfLocalDay(date, zone).getTime();
  const wall = (Number(match[1]) * 60 + Number(match[2])) * 60_000;
  // Local wall time = instant + offset; correct by the offset change since midnight (DST days).
  const guess = midnight + wall;
  return new Date(guess - (offsetAt(guess, zone) - offsetAt(midnight, zone)));
}

/** A clock that reads `hh:mm` in `zone` now and moves at real speed from there. */
export function clockAt(time: string, zone: string): Clock {
  const shift = instantAt(time, zone).getTime() - Date.now();
  return { now: () => new Date(Date.now() + shift) };
}

/** The suite's clock: `TEST_CLOCK` ("hh:mm@Zone/Name") when set, otherwise 12:00 UTC on a fixed day. */
export function testClock(env: Record<string, string | undefined> = process.env): Clock {
  const spec = env.TEST_CLOCK;
  if (!spec) return clockAt('12:00', 'UTC');
  const [time, zone] = spec.split('@');
  if (!time || !zone) throw new Error(`TEST_CLOCK must look like "03:00@Europe/Paris", got ${spec}`);
  return clockAt(time, zone);
}

/** Yesterday 00:00 UTC to the day after tomorrow 00:00 UTC around `clock`'s now: reports take whole hours. */
export function reportWindow(clock: Clock): { from: string; to: string } {
  const today = Math.floor(clock.now().getTime() / 86_400_000) * 86_400_000;
  return {
    from: new Date(today - 86_400_000).toISOString(),
    to: new Date(today + 2 * 86_400_000).toISOString(),
  };
}
