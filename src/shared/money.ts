/**
 * Exact money. Every amount in the product is an integer number of nano-USD (1e-9 USD) held in a
 * `bigint`; JS `number` is never used for money. This module owns:
 * - parsing and formatting decimal strings (`"0.000123"` <-> 123_000n nano-USD),
 * - prices per million tokens and the one rounding rule for token costs,
 * - sums, and conversion to/from MongoDB Decimal128 for storage (Decimal128 `$sum` is exact,
 *   int64 `$sum` silently overflows to double).
 *
 * Rounding rule (the only place the product rounds money):
 *   cost(tokens, pricePerMTok) = tokens × pricePerMTok / 1,000,000, rounded half-up to a whole
 *   nano-USD, once per priced component (input, cache read, cache write, output, reasoning).
 *   Totals are sums of already-rounded components, so a total always equals the sum of its parts.
 * Prices themselves must be exact in nano-USD per million tokens (at most 9 decimals of USD);
 * a price with more precision is refused rather than silently rounded.
 */
import { Decimal128 } from 'bson';

import { ValidationError } from './errors';

/** An amount in nano-USD (1 USD = 1_000_000_000n). */
export type NanoUsd = bigint;

export const NANO_PER_USD = 1_000_000_000n;
export const TOKENS_PER_MILLION = 1_000_000n;
export const USD_DECIMALS = 9;

const DECIMAL_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal USD string ("12", "0.000123", "-1.5") into nano-USD.
 * Refuses exponents, blanks, and anything finer than a nano-USD: money is never silently rounded.
 */
export function parseUsd(value: string, field = 'amount'): NanoUsd {
  const text = value.trim();
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) {
    throw new ValidationError([
      { field, message: `"${value}" is not a decimal USD amount (expected e.g. "2.50" or "0.000123")` },
    ]);
  }
  const [, sign, whole = '0', rawFraction = ''] = match;
  const fraction = rawFraction.replace(/0+$/, '');
  if (fraction.length > USD_DECIMALS) {
    throw new ValidationError([
      {
        field,
        message: `"${value}" has more than ${USD_DECIMALS} decimals; the smallest unit is 1 nano-USD`,
      },
    ]);
  }
  const nano = BigInt(whole) * NANO_PER_USD + BigInt(fraction.padEnd(USD_DECIMALS, '0') || '0');
  return sign ? -nano : nano;
}

/**
 * Formats nano-USD as a plain decimal string. By default trailing zeros are trimmed but at least
 * `minDecimals` (2) are kept: 1_500_000_000n -> "1.50", 123_000n -> "0.000123".
 */
export function formatUsd(nano: NanoUsd, options: { minDecimals?: number } = {}): string {
  const minDecimals = Math.min(USD_DECIMALS, Math.max(0, options.minDecimals ?? 2));
  const negative = nano < 0n;
  const abs = negative ? -nano : nano;
  const whole = abs / NANO_PER_USD;
  let fraction = (abs % NANO_PER_USD).toString().padStart(USD_DECIMALS, '0').replace(/0+$/, '');
  if (fraction.length < minDecimals) fraction = fraction.padEnd(minDecimals, '0');
  const body = fraction.length > 0 ? `${whole}.${fraction}` : whole.toString();
  return negative ? `-${body}` : body;
}

/** Integer division of a non-negative numerator, rounding half-up. */
function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

/**
 * The cost of `tokens` at a price given in nano-USD per million tokens, rounded half-up to a
 * whole nano-USD. This is the single rounding step of every token cost.
 */
export function costOfTokens(tokens: number | bigint, pricePerMTok: NanoUsd): NanoUsd {
  const count = typeof tokens === 'bigint' ? tokens : toTokenCount(tokens);
  if (count < 0n) throw new RangeError(`token count must not be negative (got ${count})`);
  if (pricePerMTok < 0n) throw new RangeError(`price must not be negative (got ${pricePerMTok})`);
  return divideHalfUp(count * pricePerMTok, TOKENS_PER_MILLION);
}

function toTokenCount(tokens: number): bigint {
  if (!Number.isSafeInteger(tokens))
    throw new RangeError(`token count must be a safe integer (got ${tokens})`);
  return BigInt(tokens);
}

export function sumNano(values: Iterable<NanoUsd>): NanoUsd {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}

/** nano-USD -> Decimal128 holding the USD amount with all 9 decimals (exact). */
export function toDecimal128(nano: NanoUsd): Decimal128 {
  return Decimal128.fromString(formatUsd(nano, { minDecimals: USD_DECIMALS }));
}

/** Decimal128 (or its string form) of a USD amount -> nano-USD; refuses sub-nano precision. */
export function fromDecimal128(value: Decimal128 | string, field = 'amount'): NanoUsd {
  const text = typeof value === 'string' ? value : value.toString();
  // Decimal128 may print exponents (e.g. "1.5E-7"); normalise to plain decimal first.
  return parseUsd(expandExponent(text), field);
}

/** Rewrites "1.23E-7" / "5E+3" as plain decimals without going through floating point. */
function expandExponent(text: string): string {
  const match = /^(-)?(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(text.trim());
  if (!match) return text;
  const [, sign = '', whole = '0', fraction = '', exponentText = '0'] = match;
  const exponent = Number.parseInt(exponentText, 10);
  const digits = whole + fraction;
  const point = whole.length + exponent;
  let body: string;
  if (point <= 0) body = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) body = digits + '0'.repeat(point - digits.length);
  else body = `${digits.slice(0, point)}.${digits.slice(point)}`;
  body = body.replace(/^0+(?=\d)/, '');
  return sign + body;
}
