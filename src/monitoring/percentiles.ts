/** Percentiles by nearest rank over a sorted sample, as operators read them from dashboards. */

export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1] ?? 0;
}

export interface LatencyStats {
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  totalMs: number;
}

export function statsOf(durations: readonly number[], errors: number): LatencyStats {
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    count: sorted.length,
    errors,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? 0,
    totalMs: sorted.reduce((sum, d) => sum + d, 0),
  };
}
