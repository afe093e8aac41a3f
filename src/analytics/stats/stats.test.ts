import { detectAnomalies } from './anomalies';
import { summariseTrend } from './trend';

describe('summariseTrend', () => {
  it('reports a rising series with its slope and period-over-period change', () => {
    const t = summariseTrend([10, 12, 14, 16, 18, 20]);
    expect(t.direction).toBe('UP');
    expect(t.slope).toBeCloseTo(2, 10);
    expect(t.previousTotal).toBe(36);
    expect(t.currentTotal).toBe(54);
    expect(t.periodOverPeriodPercent).toBeCloseTo(50, 10);
  });

  it('reports a falling series', () => {
    expect(summariseTrend([9, 7, 5, 3]).direction).toBe('DOWN');
  });

  it('calls noise around a level flat, and has no percentage against an empty previous period', () => {
    expect(summariseTrend([10, 11, 9, 10, 11, 9, 10, 10]).direction).toBe('FLAT');
    expect(summariseTrend([0, 0, 5, 5]).periodOverPeriodPercent).toBeNull();
    expect(summariseTrend([4]).direction).toBe('FLAT');
  });
});

describe('detectAnomalies', () => {
  const day = (i: number) => new Date(Date.UTC(2026, 0, 5 + i));
  const weekly = [100, 105, 98, 102, 101, 20, 22];

  it('flags a spike and a drop against the same weekday, not weekends against weekdays', () => {
    const points = Array.from({ length: 28 }, (_, i) => ({
      at: day(i),
      slot: i % 7,
      value: (weekly[i % 7] as number) + (i % 3),
    }));
    (points[15] as { value: number }).value = 400; // a Tuesday spike
    (points[22] as { value: number }).value = 2; // a Tuesday drop
    const found = detectAnomalies(points);
    expect(found.map((a) => a.at.toISOString())).toEqual([day(15).toISOString(), day(22).toISOString()]);
    expect(found[0]).toMatchObject({ direction: 'HIGH', value: 400 });
    expect(found[1]).toMatchObject({ direction: 'LOW', value: 2 });
    expect((found[0] as { expected: number }).expected).toBeGreaterThan(95);
  });

  it('falls back to the whole series when a slot has too little history, and needs some baseline', () => {
    const points = [10, 11, 10, 12, 90].map((value, i) => ({ at: day(i), slot: i, value }));
    expect(detectAnomalies(points).map((a) => a.value)).toEqual([90]);
    expect(detectAnomalies(points.slice(0, 2))).toEqual([]);
  });
});
