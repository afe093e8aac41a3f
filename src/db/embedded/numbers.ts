/**
 * Arithmetic with MongoDB's numeric type rules: the result takes the widest operand type
 * (int < long < double < decimal); int overflow widens to long; Decimal128 is exact.
 */
import { Decimal128, Double, Int32, Long } from 'bson';
import {
  decAdd,
  decDivide,
  decFromBigInt,
  decFromDouble,
  decMultiply,
  decToDecimal128,
  decToNumber,
} from './decimal';
import { type NumKind, numKind, toDec, toDouble } from './values';

const rank: Record<NumKind, number> = { int: 0, long: 1, double: 2, decimal: 3 };
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function widest(a: NumKind, b: NumKind): NumKind {
  return rank[a] >= rank[b] ? a : b;
}

function toBigInt(v: unknown): bigint {
  if (v instanceof Long) return v.toBigInt();
  if (typeof v === 'bigint') return v;
  return BigInt(Math.trunc(toDouble(v)));
}

/** Builds a BSON value of `kind` from a bigint integer result, widening on overflow. */
function integerResult(value: bigint, kind: 'int' | 'long', overflowToDouble: boolean): unknown {
  if (kind === 'int' && value >= -2147483648n && value <= 2147483647n) return new Int32(Number(value));
  if (value >= INT64_MIN && value <= INT64_MAX) return Long.fromBigInt(value);
  if (overflowToDouble) return new Double(Number(value));
  return undefined;
}

/**
 * a + b. Returns undefined when a long result overflows and `overflowToDouble` is false
 * ($inc refuses that; $add/$sum fall back to double like MongoDB).
 */
export function addNumbers(a: unknown, b: unknown, overflowToDouble = true): unknown {
  const ka = numKind(a) as NumKind;
  const kb = numKind(b) as NumKind;
  const kind = widest(ka, kb);
  if (kind === 'decimal') return decToDecimal128(decAdd(toDec(a), toDec(b)));
  if (kind === 'double') return new Double(toDouble(a) + toDouble(b));
  return integerResult(toBigInt(a) + toBigInt(b), kind, overflowToDouble);
}

export function multiplyNumbers(a: unknown, b: unknown, overflowToDouble = true): unknown {
  const kind = widest(numKind(a) as NumKind, numKind(b) as NumKind);
  if (kind === 'decimal') return decToDecimal128(decMultiply(toDec(a), toDec(b)));
  if (kind === 'double') return new Double(toDouble(a) * toDouble(b));
  return integerResult(toBigInt(a) * toBigInt(b), kind, overflowToDouble);
}

export function subtractNumbers(a: unknown, b: unknown): unknown {
  return addNumbers(a, negate(b));
}

export function negate(v: unknown): unknown {
  const k = numKind(v);
  if (k === 'decimal')
    return Decimal128.fromString(
      v!.toString().startsWith('-') ? v!.toString().slice(1) : `-${v!.toString()}`,
    );
  if (k === 'double') return new Double(-toDouble(v));
  const big = -toBigInt(v);
  return integerResult(big, k === 'int' ? 'int' : 'long', true);
}

/** $divide: always double unless an operand is decimal. */
export function divideNumbers(a: unknown, b: unknown): unknown {
  if (numKind(a) === 'decimal' || numKind(b) === 'decimal')
    return decToDecimal128(decDivide(toDec(a), toDec(b)));
  return new Double(toDouble(a) / toDouble(b));
}

/**
 * Running sum for $sum/$avg: exact for integers and decimals, compensated (Neumaier) for doubles,
 * typed like MongoDB's result (int, long, double or decimal).
 */
export class NumericSum {
  private kind: NumKind = 'int';
  private intSum = 0n;
  private dbl = 0;
  private comp = 0;
  private dec = decFromDouble(0);
  count = 0;

  add(v: unknown): void {
    const k = numKind(v);
    if (!k) return;
    this.count += 1;
    this.kind = widest(this.kind, k);
    if (k === 'decimal') {
      this.dec = decAdd(this.dec, toDec(v));
      return;
    }
    if (k === 'double') {
      const x = toDouble(v);
      const t = this.dbl + x;
      this.comp += Math.abs(this.dbl) >= Math.abs(x) ? this.dbl - t + x : x - t + this.dbl;
      this.dbl = t;
      return;
    }
    this.intSum += toBigInt(v);
  }

  result(): unknown {
    if (this.kind === 'decimal') {
      const total = decAdd(decAdd(this.dec, decFromBigInt(this.intSum)), decFromDouble(this.dbl + this.comp));
      return decToDecimal128(total);
    }
    if (this.kind === 'double') return new Double(this.dbl + this.comp + Number(this.intSum));
    return integerResult(this.intSum, this.kind, true);
  }

  average(): unknown {
    if (this.count === 0) return null;
    if (this.kind === 'decimal')
      return decToDecimal128(decDivide(toDec(this.result()), decFromDouble(this.count)));
    return new Double(toDouble(this.result()) / this.count);
  }
}

export function decimalToNumber(v: Decimal128): number {
  return decToNumber(toDec(v));
}
