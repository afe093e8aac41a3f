/**
 * BSON value semantics: MongoDB's cross-type ordering, equality and numeric classification.
 * Documents are stored as the `bson` package deserialises them with `promoteValues: false`, so every
 * number keeps the type the client wrote (Int32, Long, Double, Decimal128).
 */
import { Binary, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from 'bson';
import {
  type Dec,
  decCompare,
  decFromBigInt,
  decFromDecimal128,
  decFromDouble,
  decToString,
  normalise,
} from './decimal';

export type Doc = Record<string, unknown>;
export type NumKind = 'int' | 'long' | 'double' | 'decimal';

/** Marks the lowest/highest value of a type class; used only for index scan bounds. */
export class TypeBound {
  constructor(
    readonly order: number,
    readonly high: boolean,
  ) {}
}

/** MongoDB's canonical type order (null and missing share a rank). */
export function typeOrder(v: unknown): number {
  if (v === undefined || v === null) return 2;
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return 3;
    case 'string':
      return 4;
    case 'boolean':
      return 9;
    case 'object':
      break;
    default:
      return 5;
  }
  if (v instanceof TypeBound) return v.order;
  if (Array.isArray(v)) return 6;
  if (v instanceof Date) return 10;
  if (v instanceof RegExp) return 12;
  const bsontype = (v as { _bsontype?: string })._bsontype;
  switch (bsontype) {
    case 'Int32':
    case 'Double':
    case 'Long':
    case 'Decimal128':
      return 3;
    case 'BSONSymbol':
      return 4;
    case 'Binary':
      return 7;
    case 'ObjectId':
      return 8;
    case 'Timestamp':
      return 11;
    case 'BSONRegExp':
      return 12;
    case 'MinKey':
      return 1;
    case 'MaxKey':
      return 14;
    case 'Code':
      return 13;
    default:
      return 5;
  }
}

export function isNumber(v: unknown): boolean {
  return typeOrder(v) === 3 && !(v instanceof TypeBound);
}

export function numKind(v: unknown): NumKind | undefined {
  if (typeof v === 'number')
    return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? 'int' : 'double';
  if (typeof v === 'bigint') return 'long';
  if (v === null || typeof v !== 'object') return undefined;
  switch ((v as { _bsontype?: string })._bsontype) {
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'Long':
      return 'long';
    case 'Decimal128':
      return 'decimal';
    default:
      return undefined;
  }
}

/** A JS number when that is exact (ints, doubles, safe longs), otherwise undefined. */
export function exactNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof Int32 || v instanceof Double) return v.valueOf();
  if (v instanceof Long) {
    const n = v.toNumber();
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (typeof v === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** Approximate JS number for any numeric (used where MongoDB itself converts to double). */
export function toDouble(v: unknown): number {
  const exact = exactNumber(v);
  if (exact !== undefined) return exact;
  if (v instanceof Long) return v.toNumber();
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Decimal128) return Number(v.toString());
  return Number.NaN;
}

export function toDec(v: unknown): Dec {
  if (typeof v === 'number') return decFromDouble(v);
  if (typeof v === 'bigint') return decFromBigInt(v);
  if (v instanceof Int32 || v instanceof Double) return decFromDouble(v.valueOf());
  if (v instanceof Long) return decFromBigInt(v.toBigInt());
  if (v instanceof Decimal128) return decFromDecimal128(v);
  return { kind: 'nan' };
}

export function compareNumbers(a: unknown, b: unknown): number {
  const x = exactNumber(a);
  const y = exactNumber(b);
  if (x !== undefined && y !== undefined) {
    if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
    if (Number.isNaN(y)) return 1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a instanceof Long && b instanceof Long) return a.compare(b);
  return decCompare(toDec(a), toDec(b));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
  }
  return a.length - b.length === 0 ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * MongoDB compares strings by their UTF-8 bytes, which is code-point order. JavaScript strings are
 * UTF-16, whose unit order differs from code-point order only where a surrogate (an astral code
 * point) meets a unit from U+E000 to U+FFFF; shifting those two ranges past each other fixes it.
 * No buffers are made: this runs for every key comparison of every index.
 */
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) < codePointRank(y) ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

/** Total order over BSON values, as MongoDB sorts and compares them. */
export function compareValues(a: unknown, b: unknown): number {
  const ta = typeOrder(a);
  const tb = typeOrder(b);
  if (a instanceof TypeBound || b instanceof TypeBound) {
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ha = a instanceof TypeBound ? (a.high ? 1 : -1) : 0;
    const hb = b instanceof TypeBound ? (b.high ? 1 : -1) : 0;
    return ha === hb ? 0 : ha < hb ? -1 : 1;
  }
  if (ta !== tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case 1:
    case 2:
    case 14:
      return 0;
    case 3:
      return compareNumbers(a, b);
    case 4:
      return compareStrings(String(a), String(b));
    case 5:
      return compareObjects(a as Doc, b as Doc);
    case 6:
      return compareArrays(a as unknown[], b as unknown[]);
    case 7: {
      const ba = a as Binary;
      const bb = b as Binary;
      if (ba.length() !== bb.length()) return ba.length() < bb.length() ? -1 : 1;
      if (ba.sub_type !== bb.sub_type) return ba.sub_type < bb.sub_type ? -1 : 1;
      return compareBytes(ba.buffer, bb.buffer);
    }
    case 8:
      return compareBytes((a as ObjectId).id, (b as ObjectId).id);
    case 9:
      return a === b ? 0 : a ? 1 : -1;
    case 10: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 11:
      return (a as Timestamp).compare(b as Timestamp);
    case 12: {
      const c = compareStrings(String((a as RegExp).source), String((b as RegExp).source));
      return c !== 0 ? c : compareStrings(String((a as RegExp).flags), String((b as RegExp).flags));
    }
    default:
      return compareStrings(String(a), String(b));
  }
}

function compareArrays(a: unknown[], b: unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareObjects(a: Doc, b: Doc): number {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i += 1) {
    const ta = typeOrder(a[ka[i] as string]);
    const tb = typeOrder(b[kb[i] as string]);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const kc = compareStrings(ka[i] as string, kb[i] as string);
    if (kc !== 0) return kc;
    const c = compareValues(a[ka[i] as string], b[kb[i] as string]);
    if (c !== 0) return c;
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  return typeOrder(a) === typeOrder(b) && compareValues(a, b) === 0;
}

/**
 * A string that is equal for two values exactly when MongoDB considers them equal
 * (5, 5.0, NumberLong(5) and NumberDecimal("5.00") share one key). Used for hash lookups.
 */
export function valueKey(v: unknown): string {
  if (v === undefined || v === null) return 'z';
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'boolean') return v ? 'bt' : 'bf';
  if (v instanceof ObjectId) return `o${v.toHexString()}`;
  if (v instanceof Date) return `d${v.getTime()}`;
  if (isNumber(v)) {
    const n = exactNumber(v);
    if (n !== undefined && Number.isSafeInteger(n)) return `n${n}`;
    // Integral values print as plain integers whatever their type, so 5, 5.0 and "5.00" share a key.
    const d = normalise(toDec(v));
    if (d.kind === 'finite' && d.exp >= 0)
      return `n${d.neg ? '-' : ''}${(d.coef * 10n ** BigInt(d.exp)).toString()}`;
    return `n${decToString(d)}`;
  }
  if (Array.isArray(v)) return `a[${v.map(valueKey).join(',')}]`;
  if (v instanceof RegExp) return `r/${v.source}/${v.flags}`;
  if (v instanceof Binary) return `x${v.sub_type}:${Buffer.from(v.buffer).toString('hex')}`;
  if (v instanceof MinKey) return 'min';
  if (v instanceof MaxKey) return 'max';
  if (v instanceof Timestamp) return `t${v.toString()}`;
  if (typeof v === 'object') {
    const bsontype = (v as { _bsontype?: string })._bsontype;
    if (bsontype) return `${bsontype}:${String(v)}`;
    const doc = v as Doc;
    return `{${Object.keys(doc)
      .filter((k) => doc[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${valueKey(doc[k])}`)
      .join(',')}}`;
  }
  return `?${String(v)}`;
}

export function isPlainObject(v: unknown): v is Doc {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  if (v instanceof Date || v instanceof RegExp || v instanceof TypeBound) return false;
  return (v as { _bsontype?: string })._bsontype === undefined;
}

/** Deep copy that keeps BSON value objects (they are immutable) and copies containers. */
export function cloneValue<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => cloneValue(x)) as T;
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (isPlainObject(v)) {
    const out: Doc = {};
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x !== undefined) out[k] = cloneValue(x);
    }
    return out as T;
  }
  return v;
}

/** The BSON type name MongoDB reports for `$type`. */
export function bsonTypeName(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  const k = numKind(v);
  if (k) return k;
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  if (v instanceof ObjectId) return 'objectId';
  if (v instanceof Binary) return 'binData';
  if (v instanceof Timestamp) return 'timestamp';
  if (v instanceof MinKey) return 'minKey';
  if (v instanceof MaxKey) return 'maxKey';
  const t = (v as { _bsontype?: string })._bsontype;
  if (t === 'BSONRegExp') return 'regex';
  if (t === 'Code') return 'javascript';
  if (t === 'BSONSymbol') return 'symbol';
  return 'object';
}

export function isTruthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (isNumber(v)) {
    const n = exactNumber(v);
    if (n !== undefined) return n !== 0;
    return decCompare(toDec(v), { kind: 'finite', neg: false, coef: 0n, exp: 0 }) !== 0;
  }
  return true;
}

/** Deep equality that also requires identical BSON types (an Int32 1 is not a Double 1 here). */
export function identical(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (bsonTypeName(a) !== bsonTypeName(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => identical(x, bb[i]));
  }
  if (isPlainObject(a)) {
    const bb = b as Doc;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(bb).filter((k) => bb[k] !== undefined);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && identical(a[k], bb[k]));
  }
  if (numKind(a) === 'decimal') return String(a) === String(b);
  return compareValues(a, b) === 0;
}
