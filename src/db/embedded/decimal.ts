/**
 * Exact decimal arithmetic for the embedded server's numeric semantics.
 * Every BSON number (Int32, Int64, Double, Decimal128) converts to an exact `Dec` (coefficient x 10^exp),
 * so cross-type comparisons and Decimal128 sums are exact instead of going through binary floats.
 */
import { Decimal128 } from 'bson';

export type Dec =
  | { kind: 'finite'; neg: boolean; coef: bigint; exp: number }
  | { kind: 'inf'; neg: boolean }
  | { kind: 'nan' };

const TEN = 10n;
const MAX_DIGITS = 34;

export function decFromBigInt(value: bigint): Dec {
  return { kind: 'finite', neg: value < 0n, coef: value < 0n ? -value : value, exp: 0 };
}

export function decFromDouble(value: number): Dec {
  if (Number.isNaN(value)) return { kind: 'nan' };
  if (!Number.isFinite(value)) return { kind: 'inf', neg: value < 0 };
  if (Number.isInteger(value)) {
    const big = BigInt(value);
    return { kind: 'finite', neg: value < 0 || Object.is(value, -0), coef: big < 0n ? -big : big, exp: 0 };
  }
  // A double is m * 2^e exactly; with e < 0 that is m * 5^-e * 10^e, an exact decimal.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const neg = hi >>> 31 === 1;
  const rawExp = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2: number;
  if (rawExp === 0) {
    exp2 = -1074;
  } else {
    mantissa |= 1n << 52n;
    exp2 = rawExp - 1075;
  }
  if (exp2 >= 0) return { kind: 'finite', neg, coef: mantissa << BigInt(exp2), exp: 0 };
  return normalise({ kind: 'finite', neg, coef: mantissa * 5n ** BigInt(-exp2), exp: exp2 });
}

export function decFromString(text: string): Dec {
  const s = text.trim();
  if (/^[+-]?nan$/i.test(s)) return { kind: 'nan' };
  const inf = /^([+-]?)(inf|infinity)$/i.exec(s);
  if (inf) return { kind: 'inf', neg: inf[1] === '-' };
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`Invalid decimal string: ${text}`);
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  const coef = BigInt((intPart + frac).replace(/^0+(?=\d)/, '') || '0');
  const exp = Number(m[4] ?? '0') - frac.length;
  return { kind: 'finite', neg: m[1] === '-', coef, exp };
}

export function decFromDecimal128(value: Decimal128): Dec {
  return decFromString(value.toString());
}

/** Strips trailing zeros so equal values have one representation (used for index keys). */
export function normalise(d: Dec): Dec {
  if (d.kind !== 'finite') return d;
  if (d.coef === 0n) return { kind: 'finite', neg: false, coef: 0n, exp: 0 };
  let { coef, exp } = d;
  while (coef % TEN === 0n) {
    coef /= TEN;
    exp += 1;
  }
  return { kind: 'finite', neg: d.neg, coef, exp };
}

function align(a: bigint, aExp: number, b: bigint, bExp: number): [bigint, bigint, number] {
  if (aExp === bExp) return [a, b, aExp];
  if (aExp > bExp) return [a * TEN ** BigInt(aExp - bExp), b, bExp];
  return [a, b * TEN ** BigInt(bExp - aExp), aExp];
}

function signed(d: Extract<Dec, { kind: 'finite' }>): bigint {
  return d.neg ? -d.coef : d.coef;
}

export function decCompare(a: Dec, b: Dec): number {
  // MongoDB orders NaN below every other number.
  if (a.kind === 'nan') return b.kind === 'nan' ? 0 : -1;
  if (b.kind === 'nan') return 1;
  if (a.kind === 'inf') return b.kind === 'inf' && a.neg === b.neg ? 0 : a.neg ? -1 : 1;
  if (b.kind === 'inf') return b.neg ? 1 : -1;
  const [x, y] = align(signed(a), a.exp, signed(b), b.exp);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function decAdd(a: Dec, b: Dec): Dec {
  if (a.kind === 'nan' || b.kind === 'nan') return { kind: 'nan' };
  if (a.kind === 'inf') return b.kind === 'inf' && b.neg !== a.neg ? { kind: 'nan' } : a;
  if (b.kind === 'inf') return b;
  const [x, y, exp] = align(signed(a), a.exp, signed(b), b.exp);
  const sum = x + y;
  return { kind: 'finite', neg: sum < 0n, coef: sum < 0n ? -sum : sum, exp };
}

export function decNegate(a: Dec): Dec {
  if (a.kind === 'nan') return a;
  return { ...a, neg: !a.neg };
}

export function decMultiply(a: Dec, b: Dec): Dec {
  if (a.kind === 'nan' || b.kind === 'nan') return { kind: 'nan' };
  if (a.kind === 'inf' || b.kind === 'inf') {
    const zero = (a.kind === 'finite' && a.coef === 0n) || (b.kind === 'finite' && b.coef === 0n);
    return zero ? { kind: 'nan' } : { kind: 'inf', neg: a.neg !== b.neg };
  }
  return { kind: 'finite', neg: a.neg !== b.neg, coef: a.coef * b.coef, exp: a.exp + b.exp };
}

/** Division rounded to 34 significant digits, as Decimal128 division does. */
export function decDivide(a: Dec, b: Dec): Dec {
  if (a.kind === 'nan' || b.kind === 'nan') return { kind: 'nan' };
  if (a.kind === 'inf') return b.kind === 'inf' ? { kind: 'nan' } : { kind: 'inf', neg: a.neg !== b.neg };
  if (b.kind === 'inf') return { kind: 'finite', neg: a.neg !== b.neg, coef: 0n, exp: 0 };
  if (b.coef === 0n) return a.coef === 0n ? { kind: 'nan' } : { kind: 'inf', neg: a.neg !== b.neg };
  const scale = MAX_DIGITS + 2 + Math.max(0, b.coef.toString().length - a.coef.toString().length);
  const coef = (a.coef * TEN ** BigInt(scale)) / b.coef;
  return normalise({ kind: 'finite', neg: a.neg !== b.neg, coef, exp: a.exp - b.exp - scale });
}

/** Rounds to 34 significant digits, half to even, like IEEE 754-2008 decimal128. */
export function decRound34(d: Dec): Dec {
  if (d.kind !== 'finite') return d;
  const digits = d.coef.toString().length;
  if (digits <= MAX_DIGITS) return d;
  const drop = digits - MAX_DIGITS;
  const divisor = TEN ** BigInt(drop);
  let q = d.coef / divisor;
  const r = d.coef % divisor;
  const half = divisor / 2n;
  if (r > half || (r === half && q % 2n === 1n)) q += 1n;
  return { kind: 'finite', neg: d.neg, coef: q, exp: d.exp + drop };
}

export function decToString(d: Dec): string {
  if (d.kind === 'nan') return 'NaN';
  if (d.kind === 'inf') return d.neg ? '-Infinity' : 'Infinity';
  return `${d.neg ? '-' : ''}${d.coef.toString()}E${d.exp}`;
}

export function decToDecimal128(d: Dec): Decimal128 {
  const rounded = decRound34(d);
  if (rounded.kind === 'finite') {
    // Decimal128 stores exponents in [-6176, 6111]; clamp by shifting zeros where exact.
    let { coef, exp } = rounded;
    while (exp > 6111 && coef.toString().length < MAX_DIGITS) {
      coef *= TEN;
      exp -= 1;
    }
    if (exp > 6111) return Decimal128.fromString(rounded.neg ? '-Infinity' : 'Infinity');
    if (exp < -6176) return decToDecimal128(decRound34(shiftToExp(rounded, -6176)));
    return Decimal128.fromString(`${rounded.neg ? '-' : ''}${coef.toString()}E${exp}`);
  }
  return Decimal128.fromString(decToString(rounded));
}

function shiftToExp(d: Extract<Dec, { kind: 'finite' }>, exp: number): Dec {
  const drop = exp - d.exp;
  const divisor = TEN ** BigInt(drop);
  let q = d.coef / divisor;
  const r = d.coef % divisor;
  if (r * 2n > divisor || (r * 2n === divisor && q % 2n === 1n)) q += 1n;
  return { kind: 'finite', neg: d.neg, coef: q, exp };
}

export function decToNumber(d: Dec): number {
  if (d.kind === 'nan') return Number.NaN;
  if (d.kind === 'inf') return d.neg ? -Infinity : Infinity;
  return Number(decToString(d));
}

export function decIsInteger(d: Dec): boolean {
  if (d.kind !== 'finite') return false;
  const n = normalise(d);
  return n.kind === 'finite' && n.exp >= 0;
}

/** The integer part (truncated toward zero) of a finite Dec. */
export function decTrunc(d: Extract<Dec, { kind: 'finite' }>): bigint {
  const v = d.exp >= 0 ? d.coef * TEN ** BigInt(d.exp) : d.coef / TEN ** BigInt(-d.exp);
  return d.neg ? -v : v;
}
