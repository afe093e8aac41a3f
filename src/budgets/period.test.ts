import { currentWindow, periodWindow, projectSpend, TOTAL_START } from './period';
import { isValidTimeZone, offsetAt, startOfLocalDay } from './timezone';

const at = (iso: string) => new Date(iso);
const win = (period: 'DAILY' | 'WEEKLY' | 'MONTHLY', timezone: string, iso: string) => {
  const w = periodWindow({ period, timezone }, at(iso));
  return { start: w?.start.toISOString(), end: w?.end?.toISOString() };
};

describe('periodWindow', () => {
  it('starts a UTC day at midnight UTC', () => {
    expect(win('DAILY', 'UTC', '2026-03-10T23:59:59.999Z')).toEqual({
      start: '2026-03-10T00:00:00.000Z',
      end: '2026-03-11T00:00:00.000Z',
    });
  });

  it('starts a day at local midnight in the budget timezone', () => {
    // 02:00 UTC on the 10th is still the 9th in New York (UTC-5 in winter).
    expect(win('DAILY', 'America/New_York', '2026-01-10T02:00:00Z')).toEqual({
      start: '2026-01-09T05:00:00.000Z',
      end: '2026-01-10T05:00:00.000Z',
    });
    expect(win('DAILY', 'Asia/Tokyo', '2026-01-10T16:00:00Z')).toEqual({
      start: '2026-01-10T15:00:00.000Z',
      end: '2026-01-11T15:00:00.000Z',
    });
  });

  it('gives the spring-forward day 23 hours and the fall-back day 25', () => {
    const spring = periodWindow({ period: 'DAILY', timezone: 'Europe/Berlin' }, at('2026-03-29T12:00:00Z'));
    expect(spring?.start.toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(spring?.end?.toISOString()).toBe('2026-03-29T22:00:00.000Z');
    const fall = periodWindow({ period: 'DAILY', timezone: 'Europe/Berlin' }, at('2026-10-25T12:00:00Z'));
    expect(fall?.start.toISOString()).toBe('2026-10-24T22:00:00.000Z');
    expect(fall?.end?.toISOString()).toBe('2026-10-25T23:00:00.000Z');
  });

  it('starts the day at the transition when DST skips midnight', () => {
    // Santiago springs forward at 24:00 -> 01:00 on the first Sunday of September.
    const day = startOfLocalDay({ year: 2026, month: 9, day: 6 }, 'America/Santiago');
    expect(day.toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(offsetAt(day.getTime(), 'America/Santiago')).toBe(-3 * 3_600_000);
  });

  it('starts weeks on Monday and months on the 1st, in local time', () => {
    // Sunday 2026-03-15 22:30 in Los Angeles is Monday in UTC; the LA week started Monday 9th.
    expect(win('WEEKLY', 'America/Los_Angeles', '2026-03-16T05:30:00Z')).toEqual({
      start: '2026-03-09T07:00:00.000Z',
      end: '2026-03-16T07:00:00.000Z',
    });
    expect(win('WEEKLY', 'UTC', '2026-03-16T00:00:00Z').start).toBe('2026-03-16T00:00:00.000Z');
    expect(win('MONTHLY', 'Asia/Kolkata', '2026-01-31T19:00:00Z')).toEqual({
      start: '2026-01-31T18:30:00.000Z',
      end: '2026-02-28T18:30:00.000Z',
    });
    expect(win('MONTHLY', 'UTC', '2026-12-31T12:00:00Z').end).toBe('2027-01-01T00:00:00.000Z');
  });

  it('applies CUSTOM only inside its window, TOTAL always, PER_REQUEST never', () => {
    const spec = {
      period: 'CUSTOM' as const,
      timezone: 'UTC',
      startsAt: at('2026-01-01T00:00:00Z'),
      endsAt: at('2026-02-01T00:00:00Z'),
    };
    expect(periodWindow(spec, at('2025-12-31T23:59:59Z'))).toBeNull();
    expect(periodWindow(spec, at('2026-01-15T00:00:00Z'))).toEqual({
      start: spec.startsAt,
      end: spec.endsAt,
    });
    expect(periodWindow(spec, at('2026-02-01T00:00:00Z'))).toBeNull();
    expect(periodWindow({ period: 'CUSTOM', timezone: 'UTC' }, at('2026-01-15T00:00:00Z'))).toBeNull();
    expect(periodWindow({ period: 'TOTAL', timezone: 'UTC' }, at('2026-01-15T00:00:00Z'))).toEqual({
      start: TOTAL_START,
      end: null,
    });
    expect(periodWindow({ period: 'PER_REQUEST', timezone: 'UTC' }, at('2026-01-15T00:00:00Z'))).toBeNull();
  });
});

describe('projectSpend', () => {
  const window = { start: at('2026-01-01T00:00:00Z'), end: at('2026-01-02T00:00:00Z') };
  it('projects linearly to the end of the window', () => {
    expect(projectSpend(25n, window, at('2026-01-01T06:00:00Z'))).toBe(100n);
  });
  it('has no projection for open windows or at the very start', () => {
    expect(projectSpend(25n, { start: TOTAL_START, end: null }, at('2026-01-01T06:00:00Z'))).toBeNull();
    expect(projectSpend(25n, window, window.start)).toBeNull();
    expect(projectSpend(25n, window, at('2026-01-03T00:00:00Z'))).toBe(25n);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA names and rejects anything else', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('currentWindow', () => {
  it('returns the same window as periodWindow, recomputing only when the instant leaves it', () => {
    const spec = { period: 'DAILY' as const, timezone: 'Asia/Tokyo' };
    const first = currentWindow(spec, new Date('2026-03-10T03:00:00Z'));
    expect(first).toEqual(periodWindow(spec, new Date('2026-03-10T03:00:00Z')));
    expect(currentWindow(spec, new Date('2026-03-10T14:59:59Z'))).toBe(first);
    const next = currentWindow(spec, new Date('2026-03-10T15:00:00Z'));
    expect(next?.start.toISOString()).toBe('2026-03-10T15:00:00.000Z');
    expect(currentWindow({ period: 'PER_REQUEST', timezone: 'UTC' }, new Date())).toBeNull();
    expect(currentWindow({ period: 'TOTAL', timezone: 'UTC' }, new Date())?.end).toBeNull();
  });
});
