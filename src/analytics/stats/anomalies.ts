/**
 * Robust seasonal anomaly detection (for `anomalies`): each point is compared with the median of the
 * other points in the same seasonal slot (weekday for daily data, hour of day for hourly data), scaled
 * by their median absolute deviation. Medians are not dragged by the very outliers they look for.
 */
export interface AnomalyInput {
  /** Bucket start. */
  at: Date;
  value: number;
  /** Seasonal slot, e.g. weekday 0..6 or hour 0..23. */
  slot: number;
}

export interface Anomaly {
  at: Date;
  value: number;
  expected: number;
  /** Robust z-score: (value - median) / (1.4826 * MAD). */
  score: number;
  direction: 'HIGH' | 'LOW';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Flags points whose robust z-score exceeds `threshold` (3.5 is the usual cut-off). Slots with fewer
 * than `minPerSlot` other points fall back to the whole series as baseline.
 */
export function detectAnomalies(points: AnomalyInput[], threshold = 3.5, minPerSlot = 3): Anomaly[] {
  const out: Anomaly[] = [];
  points.forEach((p, i) => {
    const others = points.filter((q, j) => j !== i && q.slot === p.slot).map((q) => q.value);
    const baseline =
      others.length >= minPerSlot ? others : points.filter((_, j) => j !== i).map((q) => q.value);
    if (baseline.length < minPerSlot) return;
    const expected = median(baseline);
    const mad = median(baseline.map((v) => Math.abs(v - expected)));
    // A very regular baseline has MAD near 0; a floor of 5% of the level keeps ordinary wobble from scoring as extreme.
    const scale = 1.4826 * Math.max(mad, Math.abs(expected) * 0.05, Number.EPSILON);
    const score = (p.value - expected) / scale;
    if (Math.abs(score) > threshold) {
      out.push({ at: p.at, value: p.value, expected, score, direction: score > 0 ? 'HIGH' : 'LOW' });
    }
  });
  return out;
}
