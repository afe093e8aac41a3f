/**
 * Query filters compiled to predicates, with MongoDB's semantics: implicit array matching,
 * null matching missing, type bracketing for range operators, and exact cross-type numeric equality.
 * Unknown operators are refused rather than ignored.
 */
import { Binary, BSONRegExp } from 'bson';
import { fail, unsupported } from './errors';
import { evaluateExpression, type Vars } from './expressions';
import { collectPath, type PathValues } from './paths';
import {
  bsonTypeName,
  compareValues,
  type Doc,
  exactNumber,
  isNumber,
  isPlainObject,
  isTruthy,
  numKind,
  toDouble,
  typeOrder,
  valuesEqual,
} from './values';

export interface MatchContext {
  /** Element index of the first array a successful field match went through (positional `$`). */
  position?: number;
}

export type Predicate = (doc: Doc, ctx?: MatchContext) => boolean;
type ValueTest = (pv: PathValues, ctx?: MatchContext) => boolean;

export function compileFilter(filter: unknown, vars?: Vars): Predicate {
  if (filter === undefined || filter === null) return () => true;
  if (!isPlainObject(filter)) fail(2, 'query filter must be an object');
  const parts: Predicate[] = [];
  for (const [key, cond] of Object.entries(filter)) {
    if (cond === undefined) continue;
    if (key.startsWith('$')) parts.push(compileTopLevel(key, cond, vars));
    else parts.push(compileField(key, cond));
  }
  if (parts.length === 1) return parts[0] as Predicate;
  return (doc, ctx) => parts.every((p) => p(doc, ctx));
}

function compileTopLevel(op: string, cond: unknown, vars?: Vars): Predicate {
  switch (op) {
    case '$and':
    case '$or':
    case '$nor': {
      if (!Array.isArray(cond) || cond.length === 0) fail(2, `${op} argument must be a non-empty array`);
      const preds = cond.map((c) => compileFilter(c, vars));
      if (op === '$and') return (doc, ctx) => preds.every((p) => p(doc, ctx));
      if (op === '$or') return (doc, ctx) => preds.some((p) => p(doc, ctx));
      return (doc) => !preds.some((p) => p(doc));
    }
    case '$expr':
      return (doc) => isTruthy(evaluateExpression(cond, doc, vars));
    case '$comment':
      return () => true;
    default:
      return unsupported(`The query operator ${op}`);
  }
}

function compileField(path: string, cond: unknown): Predicate {
  const parts = path.split('.');
  const test = compileCondition(cond);
  return (doc, ctx) => test(collectPath(doc, parts), ctx);
}

function isOperatorObject(cond: unknown): cond is Doc {
  if (!isPlainObject(cond)) return false;
  const keys = Object.keys(cond);
  return keys.length > 0 && (keys[0] as string).startsWith('$');
}

/** Compiles the right-hand side of `{ field: cond }`. */
export function compileCondition(cond: unknown): ValueTest {
  if (cond instanceof RegExp || cond instanceof BSONRegExp) return anyValue(regexTest(toRegExp(cond)));
  if (!isOperatorObject(cond)) return equalityTest(cond);
  const tests: ValueTest[] = [];
  const entries = Object.entries(cond);
  for (const [op, arg] of entries) {
    if (op === '$options') continue;
    if (!op.startsWith('$')) fail(2, `unknown operator: ${op}`);
    tests.push(compileOperator(op, arg, cond));
  }
  if (tests.length === 1) return tests[0] as ValueTest;
  return (pv, ctx) => tests.every((t) => t(pv, ctx));
}

function toRegExp(v: unknown, options?: unknown): RegExp {
  if (v instanceof RegExp) return options ? new RegExp(v.source, String(options)) : v;
  if (v instanceof BSONRegExp) return new RegExp(v.pattern, jsFlags(String(options ?? v.options)));
  if (typeof v === 'string') return new RegExp(v, jsFlags(String(options ?? '')));
  return fail(2, '$regex has to be a string');
}

function jsFlags(options: string): string {
  let flags = '';
  for (const c of options) {
    if (c === 'i' || c === 'm' || c === 's') flags += c;
    else if (c === 'u') flags += 'u';
    else if (c === 'x') unsupported('The $regex option x');
  }
  return flags;
}

function anyValue(test: (v: unknown) => boolean, expandArrays = true): ValueTest {
  return (pv, ctx) => {
    for (let i = 0; i < pv.values.length; i += 1) {
      const v = pv.values[i];
      if (test(v)) {
        noteMatch(ctx, pv.positions[i]);
        return true;
      }
      if (expandArrays && Array.isArray(v)) {
        for (let j = 0; j < v.length; j += 1) {
          if (test(v[j])) {
            noteMatch(ctx, pv.positions[i] ?? j);
            return true;
          }
        }
      }
    }
    return false;
  };
}

function noteMatch(ctx: MatchContext | undefined, pos: number | undefined): void {
  if (ctx && ctx.position === undefined && pos !== undefined) ctx.position = pos;
}

function regexTest(re: RegExp): (v: unknown) => boolean {
  return (v) => {
    if (typeof v === 'string') {
      re.lastIndex = 0;
      return re.test(v);
    }
    if (v instanceof RegExp) return v.source === re.source && v.flags === re.flags;
    return false;
  };
}

function equalityTest(target: unknown): ValueTest {
  if (target === null) {
    const inner = anyValue((v) => v === null);
    return (pv, ctx) => pv.missing || inner(pv, ctx);
  }
  return anyValue((v) => valuesEqual(v, target));
}

function rangeTest(op: string, target: unknown): ValueTest {
  const tOrder = typeOrder(target);
  const cmpOk = (c: number): boolean =>
    op === '$gt' ? c > 0 : op === '$gte' ? c >= 0 : op === '$lt' ? c < 0 : c <= 0;
  if (target === null) {
    // Only $gte/$lte null match null or missing; $gt/$lt null match nothing.
    if (op === '$gt' || op === '$lt') return () => false;
    return equalityTest(null);
  }
  if (target instanceof RegExp) fail(2, `Can't have RegEx as arg to predicate over field`);
  return anyValue((v) => {
    if (typeOrder(v) !== tOrder) return false;
    if (tOrder === 3 && (Number.isNaN(exactNumber(v)) || Number.isNaN(exactNumber(target)))) {
      // NaN only equals NaN for range operators ($gte/$lte), never orders against numbers.
      return (
        (op === '$gte' || op === '$lte') && Number.isNaN(exactNumber(v)) && Number.isNaN(exactNumber(target))
      );
    }
    return cmpOk(compareValues(v, target));
  });
}

const typeAliases: Record<string, string> = {
  1: 'double',
  2: 'string',
  3: 'object',
  4: 'array',
  5: 'binData',
  7: 'objectId',
  8: 'bool',
  9: 'date',
  10: 'null',
  11: 'regex',
  13: 'javascript',
  16: 'int',
  17: 'timestamp',
  18: 'long',
  19: 'decimal',
  [-1]: 'minKey',
  127: 'maxKey',
};

function typeNames(arg: unknown): string[] {
  const list = Array.isArray(arg) ? arg : [arg];
  return list.map((t) => {
    if (typeof t === 'string') return t;
    const n = exactNumber(t);
    const name = n === undefined ? undefined : typeAliases[n];
    if (!name) fail(2, `Invalid numerical type code: ${String(t)}`);
    return name;
  });
}

function compileOperator(op: string, arg: unknown, whole: Doc): ValueTest {
  switch (op) {
    case '$eq':
      return equalityTest(arg);
    case '$ne': {
      const eq = equalityTest(arg);
      return (pv) => !eq(pv);
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return rangeTest(op, arg);
    case '$in':
    case '$nin': {
      if (!Array.isArray(arg)) fail(2, `${op} needs an array`);
      const tests = arg.map((a) =>
        a instanceof RegExp || a instanceof BSONRegExp ? anyValue(regexTest(toRegExp(a))) : equalityTest(a),
      );
      const any: ValueTest = (pv, ctx) => tests.some((t) => t(pv, ctx));
      return op === '$in' ? any : (pv) => !any(pv);
    }
    case '$exists': {
      const want = isTruthy(arg);
      return (pv) => pv.values.length > 0 === want;
    }
    case '$type': {
      const names = typeNames(arg);
      return anyValue((v) => names.some((n) => n === bsonTypeName(v) || (n === 'number' && isNumber(v))));
    }
    case '$regex':
      return anyValue(regexTest(toRegExp(arg, whole.$options)));
    case '$not': {
      const inner =
        arg instanceof RegExp || arg instanceof BSONRegExp
          ? anyValue(regexTest(toRegExp(arg)))
          : compileCondition(arg);
      if (!(arg instanceof RegExp) && !(arg instanceof BSONRegExp) && !isOperatorObject(arg))
        fail(2, '$not needs a regex or a document');
      return (pv) => !inner(pv);
    }
    case '$size': {
      const n = exactNumber(arg);
      if (n === undefined || !Number.isInteger(n)) fail(2, '$size needs a number');
      return anyValue((v) => Array.isArray(v) && v.length === n, false);
    }
    case '$all': {
      if (!Array.isArray(arg)) fail(2, '$all needs an array');
      if (arg.length === 0) return () => false;
      const tests = arg.map((a) =>
        isOperatorObject(a) && '$elemMatch' in a ? compileCondition(a) : compileCondition(a),
      );
      return (pv, ctx) => tests.every((t) => t(pv, ctx));
    }
    case '$elemMatch': {
      if (!isPlainObject(arg)) fail(2, '$elemMatch needs an Object');
      const valueOps =
        isOperatorObject(arg) && !['$and', '$or', '$nor', '$expr'].includes(Object.keys(arg)[0] as string);
      const elemTest: (el: unknown) => boolean = valueOps
        ? (() => {
            const t = compileCondition(arg);
            return (el: unknown) => t({ values: [el], missing: false, positions: [undefined] });
          })()
        : (() => {
            const p = compileFilter(arg);
            return (el: unknown) => isPlainObject(el) && p(el);
          })();
      return (pv, ctx) => {
        for (let i = 0; i < pv.values.length; i += 1) {
          const v = pv.values[i];
          if (!Array.isArray(v)) continue;
          const j = v.findIndex(elemTest);
          if (j >= 0) {
            noteMatch(ctx, pv.positions[i] ?? j);
            return true;
          }
        }
        return false;
      };
    }
    case '$mod': {
      if (!Array.isArray(arg) || arg.length !== 2)
        fail(2, 'malformed mod, needs to be an array of two numbers');
      const d = Math.trunc(toDouble(arg[0]));
      const r = Math.trunc(toDouble(arg[1]));
      if (d === 0) fail(2, 'divisor cannot be 0');
      return anyValue((v) => isNumber(v) && Math.trunc(toDouble(v)) % d === r);
    }
    case '$bitsAllSet':
    case '$bitsAnySet':
    case '$bitsAllClear':
    case '$bitsAnyClear':
      return bitsTest(op, arg);
    default:
      return unsupported(`The query operator ${op}`);
  }
}

function bitsTest(op: string, arg: unknown): ValueTest {
  let mask = 0n;
  if (Array.isArray(arg)) for (const b of arg) mask |= 1n << BigInt(toDouble(b));
  else if (isNumber(arg)) mask = BigInt(Math.trunc(toDouble(arg)));
  else if (arg instanceof Binary) unsupported(`${op} with a BinData mask`);
  else fail(2, `${op} takes an Array, a number, or a BinData but received: ${String(arg)}`);
  return anyValue((v) => {
    const k = numKind(v);
    if (!k || k === 'decimal') return false;
    const n = toDouble(v);
    if (!Number.isInteger(n)) return false;
    const bits = BigInt.asUintN(64, BigInt(n));
    if (op === '$bitsAllSet') return (bits & mask) === mask;
    if (op === '$bitsAnySet') return (bits & mask) !== 0n;
    if (op === '$bitsAllClear') return (bits & mask) === 0n;
    return (bits & mask) !== mask;
  }, false);
}
