import { crossedThresholds, overshootingForecast, reachedThresholds, thresholdSeverity } from './alert-rules';

describe('alert rules', () => {
  it('reports only thresholds crossed by this change', () => {
    expect(crossedThresholds([50, 80, 100], 100n, 40n, 85n)).toEqual([50, 80]);
    expect(crossedThresholds([50, 80, 100], 100n, 50n, 79n)).toEqual([]);
    expect(crossedThresholds([50, 80, 100], 100n, 99n, 100n)).toEqual([100]);
    expect(reachedThresholds([50, 80, 100], 100n, 80n)).toEqual([50, 80]);
  });

  it('grades severity by threshold', () => {
    expect(thresholdSeverity(50)).toBe('INFO');
    expect(thresholdSeverity(80)).toBe('WARNING');
    expect(thresholdSeverity(100)).toBe('CRITICAL');
  });

  it('forecasts an overshoot linearly, only after a tenth of the window', () => {
    const window = { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-01-02T00:00:00Z') };
    expect(overshootingForecast(30n, 100n, window, new Date('2026-01-01T06:00:00Z'))).toBe(120n);
    expect(overshootingForecast(20n, 100n, window, new Date('2026-01-01T06:00:00Z'))).toBeNull();
    expect(overshootingForecast(30n, 100n, window, new Date('2026-01-01T01:00:00Z'))).toBeNull();
    expect(overshootingForecast(100n, 100n, window, new Date('2026-01-01T06:00:00Z'))).toBeNull();
    expect(overshootingForecast(30n, 100n, { start: window.start, end: null }, window.end)).toBeNull();
  });
});
