import { fitHoltWinters } from './holt-winters';
import { forecastSeries, mape } from './forecast';
import { fitLinear, linearAt } from './linear';

/** Deterministic PRNG so the synthetic histories are the same on every run. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Daily spend: a trend, weekday/weekend profile and multiplicative-free noise. */
function synthetic(days: number, seed: number, { base = 100, slope = 0.8, noise = 4 } = {}) {
  const rand = prng(seed);
  const weekly = [1.2, 1.25, 1.2, 1.15, 1.1, 0.35, 0.3].map((f) => (f - 0.935) * base);
  return Array.from(
    { length: days },
    (_, t) => base + slope * t + (weekly[t % 7] as number) + (rand() - 0.5) * 2 * noise,
  );
}

function naiveLinear(history: number[], horizon: number) {
  const fit = fitLinear(history);
  return Array.from({ length: horizon }, (_, i) => linearAt(fit, history.length + i));
}

describe('forecastSeries', () => {
  it.each([11, 23, 37, 41, 59])(
    'beats a naive linear projection on a weekly-seasonal history (seed %i)',
    (seed) => {
      const series = synthetic(70, seed);
      const history = series.slice(0, 56);
      const actual = series.slice(56);
      const result = forecastSeries(history, 14);
      expect(result.method).toBe('HOLT_WINTERS');
      const hw = mape(
        actual,
        result.points.map((p) => p.value),
      );
      const linear = mape(actual, naiveLinear(history, 14));
      expect(hw).toBeLessThan(linear / 2);
      expect(hw).toBeLessThan(8);
    },
  );

  it('covers most actual values with its 95% interval', () => {
    let inside = 0;
    let total = 0;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const series = synthetic(63, seed);
      const result = forecastSeries(series.slice(0, 56), 7);
      result.points.forEach((p, i) => {
        total += 1;
        const a = series[56 + i] as number;
        if (a >= p.lower && a <= p.upper) inside += 1;
      });
    }
    expect(inside / total).toBeGreaterThan(0.8);
  });

  it('widens the interval with the horizon', () => {
    const { points } = forecastSeries(synthetic(56, 3), 28);
    const width = (i: number) =>
      (points[i] as { upper: number; lower: number }).upper - (points[i] as { lower: number }).lower;
    expect(width(27)).toBeGreaterThan(width(0));
  });

  it('falls back to a linear trend on short history, says so, and gives a wider interval', () => {
    const series = synthetic(70, 5);
    const long = forecastSeries(series.slice(0, 56), 7);
    const short = forecastSeries(series.slice(46, 56), 7);
    expect(short.method).toBe('LINEAR');
    expect(short.note).toMatch(/fewer than the 14/);
    const w = (r: typeof long) =>
      (r.points[0] as { upper: number }).upper - (r.points[0] as { lower: number }).lower;
    expect(w(short)).toBeGreaterThan(w(long));
  });

  it('uses the mean for one or two observations and says so', () => {
    const r = forecastSeries([10, 14], 3);
    expect(r.method).toBe('MEAN');
    expect(r.points.map((p) => p.value)).toEqual([12, 12, 12]);
    expect(r.points[0]).toMatchObject({ lower: 0, upper: 24 });
    expect(r.note).toMatch(/2 observation/);
    const empty = forecastSeries([], 2);
    expect(empty.points.every((p) => p.value === 0 && p.upper === 0)).toBe(true);
    expect(empty.note).toMatch(/No history/);
  });

  it('never forecasts negative spend unless asked to', () => {
    const falling = Array.from({ length: 10 }, (_, i) => 50 - 6 * i);
    expect(forecastSeries(falling, 5).points.every((p) => p.value >= 0 && p.lower >= 0)).toBe(true);
    expect(forecastSeries(falling, 5, { nonNegative: false }).points.some((p) => p.value < 0)).toBe(true);
  });

  it('rejects a bad horizon and non-finite history', () => {
    expect(() => forecastSeries([1, 2, 3], 0)).toThrow(/horizon/);
    expect(() => forecastSeries([1, Number.NaN, 3], 2)).toThrow(/finite/);
    expect(() => fitHoltWinters([1, 2, 3], 7)).toThrow(/at least 14/);
  });

  it('recovers an exact linear trend', () => {
    const fit = fitLinear([3, 5, 7, 9]);
    expect(fit.slope).toBeCloseTo(2, 10);
    expect(fit.intercept).toBeCloseTo(3, 10);
    expect(fit.sigma).toBeCloseTo(0, 10);
    expect(fitLinear([]).n).toBe(0);
    expect(fitLinear([4]).slope).toBe(0);
  });

  it('computes MAPE ignoring zero actuals', () => {
    expect(mape([100, 0, 50], [110, 5, 45])).toBeCloseTo(10, 10);
    expect(mape([0], [1])).toBe(0);
  });
});
