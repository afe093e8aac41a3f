/**
 * Integer helpers for budget figures (amounts are nano-USD `bigint`, see shared/money):
 * percentages for status and threshold checks, and rounding up for worst-case estimates.
 */

/** `part / whole` as a percentage with two decimals, computed in integers. */
export function percentOf(part: bigint, whole: bigint): number {
  if (whole <= 0n) return part > 0n ? 100 : 0;
  return Number((part * 10_000n) / whole) / 100;
}

/** True when `part` has reached `percent`% of `whole` (exactly, no rounding). */
export function reachesPercent(part: bigint, whole: bigint, percent: number): boolean {
  return part * 100n >= whole * BigInt(percent);
}

/** Division rounding up: a worst-case estimate must never round a cost down. */
export function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}
