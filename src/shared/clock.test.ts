import { FakeClock, systemClock } from './clock';

it('the fake clock moves only when told to', () => {
  const clock = new FakeClock('2026-03-01T00:00:00Z');
  expect(clock.now().toISOString()).toBe('2026-03-01T00:00:00.000Z');
  clock.advance(90_000);
  expect(clock.now().toISOString()).toBe('2026-03-01T00:01:30.000Z');
  clock.set(new Date('2027-01-01T00:00:00Z'));
  expect(clock.now().getUTCFullYear()).toBe(2027);
  expect(Math.abs(systemClock.now().getTime() - Date.now())).toBeLessThan(1000);
});
