/**
 * Fixed-bucket latency histograms. Every rollup uses the same bucket bounds, so histograms from
 * any set of rollups add up bucket by bucket and p50/p95 can be read from the sum. Quantiles are
 * interpolated linearly inside the bucket that holds them; the error is at most one bucket width,
 * which the bounds keep near 25-50% of the value across 10 ms .. 10 min.
 */

/** Upper bounds (ms, exclusive) of every bucket but the last, which is open-ended. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1_000, 1_500, 2_000, 3_000, 4_000, 5_000, 7_500, 10_000,
  15_000, 20_000, 30_000, 45_000, 60_000, 90_000, 120_000, 300_000, 600_000,
];
export const HISTOGRAM_SIZE = LATENCY_BOUNDS_MS.length + 1;

export function emptyHistogram(): number[] {
  return new Array<number>(HISTOGRAM_SIZE).fill(0);
}

export function bucketIndex(ms: number): number {
  // Binary search: first bound greater than ms.
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms < (LATENCY_BOUNDS_MS[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function addToHistogram(target: number[], source: readonly number[]): void {
  for (let i = 0; i < HISTOGRAM_SIZE; i += 1) target[i] = (target[i] ?? 0) + (source[i] ?? 0);
}

/**
 * The q-quantile (0..1) of the values counted in `counts`, or null when it is empty. The open last
 * bucket reports its lower bound: "at least this slow".
 */
export function histogramQuantile(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((s, c) => s + c, 0);
  if (total === 0) return null;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let seen = 0;
  for (let i = 0; i < HISTOGRAM_SIZE; i += 1) {
    const c = counts[i] ?? 0;
    if (c > 0 && seen + c >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] as number);
      if (i === HISTOGRAM_SIZE - 1) return lower;
      const upper = LATENCY_BOUNDS_MS[i] as number;
      return lower + ((rank - seen) / c) * (upper - lower);
    }
    seen += c;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] as number;
}
