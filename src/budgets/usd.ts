/**
 * Exact USD amounts for budgets: integer nano-USD held as `bigint`, never floats.
 * Parses and prints the decimal strings the API speaks. Kept local to budgets until
 * a shared money module exists; the representation (nano-USD bigint) is the same.
 */
export const NANO_PER_USD = 1_000_000_000n;
const USD_PATTERN = /^(\d+)(?:\.(\d{1,9}))?$/;

/** Parses a non-negative decimal USD string ("0.10", "12") into nano-USD; null when malformed. */
export function parseUsd(text: string): bigint | null {
  const match = USD_PATTERN.exec(text.trim());
  if (!match) return null;
  const whole = BigInt(match[1] as string);
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0'));
  return whole * NANO_PER_USD + fraction;
}

/** Prints nano-USD as a decimal string with at least two decimals ("0.10", "1.000000001", "-0.25"). */
export function formatUsd(nano: bigint): string {
  const negative = nano < 0n;
  const abs = negative ? -nano : nano;
  const whole = abs / NANO_PER_USD;
  let fraction = (abs % NANO_PER_USD).toString().padStart(9, '0').replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** `part / whole` as a percentage with two decimals, computed in integers. */
export function percentOf(part: bigint, whole: bigint): number {
  if (whole <= 0n) return part > 0n ? 100 : 0;
  return Number((part * 10_000n) / whole) / 100;
}

/** Division rounding up: a worst-case estimate must never round a cost down. */
export function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  return (numerator + denominator - 1n) / denominator;
}
