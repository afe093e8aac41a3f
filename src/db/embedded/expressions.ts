/**
 * Aggregation expressions ($add, $cond, $dateTrunc, ...) evaluated against one document with
 * MongoDB's numeric typing. Operators outside this list are refused with code 115.
 */
import { Decimal128, Double, Int32, Long, ObjectId } from 'bson';
import { decFromString, decToDecimal128 } from './decimal';
import { fail, unsupported } from './errors';
import { addNumbers, divideNumbers, multiplyNumbers, subtractNumbers } from './numbers';
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
  valuesEqual,
} from './values';

export type Vars = Record<string, unknown>;

export function evaluateExpression(expr: unknown, root: Doc, vars: Vars = {}): unknown {
  return evaluate(expr, { ROOT: root, CURRENT: root, ...vars });
}

function fieldPath(path: string, vars: Vars): unknown {
  if (path.startsWith('$$')) {
    const [name, ...rest] = path.slice(2).split('.');
    if (name === 'NOW') return vars.NOW ?? new Date();
    if (name === 'REMOVE') return undefined;
    if (!(name! in vars)) fail(17276, `Use of undefined variable: ${name}`);
    const base = vars[name as string];
    return rest.length ? resolve(base, rest) : base;
  }
  return resolve(vars.CURRENT, path.slice(1).split('.'));
}

/** Field path resolution in expressions: arrays of documents map to arrays of values. */
function resolve(cur: unknown, parts: string[]): unknown {
  if (parts.length === 0) return cur;
  const [head, ...rest] = parts;
  if (Array.isArray(cur)) {
    const out: unknown[] = [];
    for (const el of cur) {
      if (isPlainObject(el) || Array.isArray(el)) {
        const v = resolve(el, parts);
        if (v !== undefined) out.push(v);
      }
    }
    return out;
  }
  if (!isPlainObject(cur)) return undefined;
  return resolve(cur[head as string], rest);
}

export function evaluate(expr: unknown, vars: Vars): unknown {
  if (typeof expr === 'string') return expr.startsWith('$') ? fieldPath(expr, vars) : expr;
  if (Array.isArray(expr)) return expr.map((e) => evaluate(e, vars));
  if (!isPlainObject(expr)) return expr;
  const keys = Object.keys(expr);
  if (keys.length === 1 && (keys[0] as string).startsWith('$')) {
    const op = keys[0] as string;
    return operator(op, expr[op], vars);
  }
  const out: Doc = {};
  for (const k of keys) {
    if (k.startsWith('$')) fail(168, `Unrecognized expression '${k}'`);
    const v = evaluate(expr[k], vars);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function args(arg: unknown, vars: Vars): unknown[] {
  return (Array.isArray(arg) ? arg : [arg]).map((a) => evaluate(a, vars));
}

const isNullish = (v: unknown): boolean => v === null || v === undefined;

function requireNumber(op: string, v: unknown): void {
  if (!isNumber(v)) fail(16554, `${op} only supports numeric types, not ${bsonTypeName(v)}`);
}

function toInt(v: unknown): number {
  return Math.trunc(toDouble(v));
}

function operator(op: string, arg: unknown, vars: Vars): unknown {
  switch (op) {
    case '$literal':
      return arg;
    case '$add': {
      const vals = args(arg, vars);
      if (vals.some(isNullish)) return null;
      let date: Date | undefined;
      let acc: unknown = new Int32(0);
      for (const v of vals) {
        if (v instanceof Date) {
          if (date) fail(16612, 'only one date allowed in an $add expression');
          date = v;
        } else {
          requireNumber('$add', v);
          acc = addNumbers(acc, v);
        }
      }
      return date ? new Date(date.getTime() + Math.round(toDouble(acc))) : acc;
    }
    case '$subtract': {
      const [a, b] = args(arg, vars);
      if (isNullish(a) || isNullish(b)) return null;
      if (a instanceof Date && b instanceof Date) return Long.fromNumber(a.getTime() - b.getTime());
      if (a instanceof Date) return new Date(a.getTime() - Math.round(toDouble(b)));
      requireNumber('$subtract', a);
      requireNumber('$subtract', b);
      return subtractNumbers(a, b);
    }
    case '$multiply': {
      const vals = args(arg, vars);
      if (vals.some(isNullish)) return null;
      return vals.reduce<unknown>((acc, v) => {
        requireNumber('$multiply', v);
        return multiplyNumbers(acc, v);
      }, new Int32(1));
    }
    case '$divide': {
      const [a, b] = args(arg, vars);
      if (isNullish(a) || isNullish(b)) return null;
      requireNumber('$divide', a);
      requireNumber('$divide', b);
      if (toDouble(b) === 0 && numKind(b) !== 'decimal') fail(2, "can't $divide by zero");
      return divideNumbers(a, b);
    }
    case '$mod': {
      const [a, b] = args(arg, vars);
      if (isNullish(a) || isNullish(b)) return null;
      if (toDouble(b) === 0) fail(16610, "can't $mod by zero");
      const kind = numKind(a) === 'double' || numKind(b) === 'double' ? 'double' : numKind(a);
      const r = toDouble(a) % toDouble(b);
      return kind === 'double' ? new Double(r) : kind === 'long' ? Long.fromNumber(r) : new Int32(r);
    }
    case '$abs':
    case '$ceil':
    case '$floor':
    case '$sqrt':
    case '$exp':
    case '$ln':
    case '$log10': {
      const [v] = args(arg, vars);
      if (isNullish(v)) return null;
      requireNumber(op, v);
      const fn = {
        $abs: Math.abs,
        $ceil: Math.ceil,
        $floor: Math.floor,
        $sqrt: Math.sqrt,
        $exp: Math.exp,
        $ln: Math.log,
        $log10: Math.log10,
      }[op];
      const k = numKind(v);
      if (k === 'decimal') {
        if (op === '$abs') return Decimal128.fromString(v!.toString().replace(/^-/, ''));
        return decToDecimal128(decFromString(String(fn(toDouble(v)))));
      }
      const r = fn(toDouble(v));
      if (op === '$abs' || op === '$ceil' || op === '$floor')
        return k === 'int' ? new Int32(r) : k === 'long' ? Long.fromNumber(r) : new Double(r);
      return new Double(r);
    }
    case '$round':
    case '$trunc': {
      const [v, placesArg] = args(arg, vars);
      if (isNullish(v)) return null;
      requireNumber(op, v);
      const places = placesArg === undefined ? 0 : toInt(placesArg);
      const k = numKind(v);
      if (k === 'decimal') {
        const d = decFromString(v!.toString());
        if (d.kind !== 'finite' || d.exp >= -places) return v;
        const drop = BigInt(-places - d.exp);
        const div = 10n ** drop;
        let q = d.coef / div;
        const r = d.coef % div;
        if (op === '$round' && (r * 2n > div || (r * 2n === div && q % 2n === 1n))) q += 1n;
        return decToDecimal128({ kind: 'finite', neg: d.neg, coef: q, exp: -places });
      }
      if (k !== 'double') return v;
      const f = 10 ** places;
      const x = toDouble(v) * f;
      let r: number;
      if (op === '$trunc') r = Math.trunc(x);
      else {
        const fl = Math.floor(x);
        const diff = x - fl;
        r = diff > 0.5 ? fl + 1 : diff < 0.5 ? fl : fl % 2 === 0 ? fl : fl + 1;
      }
      return new Double(r / f);
    }
    case '$eq':
    case '$ne':
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
    case '$cmp': {
      const [a, b] = args(arg, vars);
      const c = compareValues(a ?? null, b ?? null);
      if (op === '$cmp') return new Int32(c);
      return { $eq: c === 0, $ne: c !== 0, $gt: c > 0, $gte: c >= 0, $lt: c < 0, $lte: c <= 0 }[op];
    }
    case '$and':
      return (Array.isArray(arg) ? arg : [arg]).every((a) => isTruthy(evaluate(a, vars)));
    case '$or':
      return (Array.isArray(arg) ? arg : [arg]).some((a) => isTruthy(evaluate(a, vars)));
    case '$not':
      return !isTruthy(args(arg, vars)[0]);
    case '$cond': {
      const [c, t, e] = Array.isArray(arg) ? arg : [(arg as Doc).if, (arg as Doc).then, (arg as Doc).else];
      return isTruthy(evaluate(c, vars)) ? evaluate(t, vars) : evaluate(e, vars);
    }
    case '$ifNull': {
      const list = Array.isArray(arg) ? arg : [arg];
      for (let i = 0; i < list.length - 1; i += 1) {
        const v = evaluate(list[i], vars);
        if (!isNullish(v)) return v;
      }
      return evaluate(list[list.length - 1], vars);
    }
    case '$switch': {
      const spec = arg as { branches: { case: unknown; then: unknown }[]; default?: unknown };
      for (const b of spec.branches) if (isTruthy(evaluate(b.case, vars))) return evaluate(b.then, vars);
      if (!('default' in spec))
        fail(40066, '$switch could not find a matching branch for an input, and no default was specified.');
      return evaluate(spec.default, vars);
    }
    case '$concat': {
      const vals = args(arg, vars);
      if (vals.some(isNullish)) return null;
      for (const v of vals)
        if (typeof v !== 'string') fail(16702, `$concat only supports strings, not ${bsonTypeName(v)}`);
      return vals.join('');
    }
    case '$toLower':
    case '$toUpper': {
      const [v] = args(arg, vars);
      if (isNullish(v)) return '';
      const s = typeof v === 'string' ? v : String(toDouble(v));
      return op === '$toLower' ? s.toLowerCase() : s.toUpperCase();
    }
    case '$strLenCP': {
      const [v] = args(arg, vars);
      if (typeof v !== 'string')
        fail(34471, `$strLenCP requires a string argument, found: ${bsonTypeName(v)}`);
      return new Int32([...v].length);
    }
    case '$substr':
    case '$substrCP': {
      const [s, start, len] = args(arg, vars);
      if (isNullish(s)) return '';
      return [...String(s)].slice(toInt(start), toInt(start) + toInt(len)).join('');
    }
    case '$split': {
      const [s, sep] = args(arg, vars);
      if (isNullish(s)) return null;
      return String(s).split(String(sep));
    }
    case '$size': {
      const [v] = args(arg, vars);
      if (!Array.isArray(v))
        fail(17124, `The argument to $size must be an array. Type of input: ${bsonTypeName(v)}`);
      return new Int32(v.length);
    }
    case '$arrayElemAt': {
      const [a, i] = args(arg, vars);
      if (isNullish(a) || isNullish(i)) return null;
      if (!Array.isArray(a)) fail(28689, "$arrayElemAt's first argument must be an array");
      const idx = toInt(i);
      return idx < 0 ? a[a.length + idx] : a[idx];
    }
    case '$first':
    case '$last': {
      const [a] = args(arg, vars);
      if (isNullish(a)) return null;
      if (!Array.isArray(a)) fail(28689, `${op}'s argument must be an array`);
      return op === '$first' ? a[0] : a[a.length - 1];
    }
    case '$concatArrays': {
      const vals = args(arg, vars);
      if (vals.some(isNullish)) return null;
      return vals.flatMap((v) => {
        if (!Array.isArray(v)) fail(28664, '$concatArrays only supports arrays');
        return v;
      });
    }
    case '$in': {
      const [v, arr] = args(arg, vars);
      if (!Array.isArray(arr)) fail(40081, '$in requires an array as a second argument');
      return arr.some((x) => valuesEqual(x, v));
    }
    case '$isArray':
      return Array.isArray(args(arg, vars)[0]);
    case '$filter': {
      const spec = arg as { input: unknown; as?: string; cond: unknown; limit?: unknown };
      const input = evaluate(spec.input, vars);
      if (isNullish(input)) return null;
      if (!Array.isArray(input)) fail(28651, 'input to $filter must be an array');
      const name = spec.as ?? 'this';
      const out = input.filter((el) => isTruthy(evaluate(spec.cond, { ...vars, [name]: el })));
      return spec.limit === undefined ? out : out.slice(0, toInt(evaluate(spec.limit, vars)));
    }
    case '$map': {
      const spec = arg as { input: unknown; as?: string; in: unknown };
      const input = evaluate(spec.input, vars);
      if (isNullish(input)) return null;
      if (!Array.isArray(input)) fail(16883, 'input to $map must be an array');
      const name = spec.as ?? 'this';
      return input.map((el) => evaluate(spec.in, { ...vars, [name]: el }));
    }
    case '$reduce': {
      const spec = arg as { input: unknown; initialValue: unknown; in: unknown };
      const input = evaluate(spec.input, vars);
      if (isNullish(input)) return null;
      if (!Array.isArray(input)) fail(40080, 'input to $reduce must be an array');
      let value = evaluate(spec.initialValue, vars);
      for (const el of input) value = evaluate(spec.in, { ...vars, value, this: el });
      return value;
    }
    case '$let': {
      const spec = arg as { vars: Doc; in: unknown };
      const bound: Vars = { ...vars };
      for (const [k, v] of Object.entries(spec.vars)) bound[k] = evaluate(v, vars);
      return evaluate(spec.in, bound);
    }
    case '$sum':
    case '$avg':
    case '$max':
    case '$min': {
      const vals = args(arg, vars);
      const list = vals.length === 1 && Array.isArray(vals[0]) ? (vals[0] as unknown[]) : vals;
      return reduceList(op, list);
    }
    case '$mergeObjects': {
      const out: Doc = {};
      for (const v of args(arg, vars)) if (isPlainObject(v)) Object.assign(out, v);
      return out;
    }
    case '$objectToArray': {
      const [v] = args(arg, vars);
      if (isNullish(v)) return null;
      return Object.entries(v as Doc).map(([k, x]) => ({ k, v: x }));
    }
    case '$arrayToObject': {
      const [v] = args(arg, vars);
      if (isNullish(v)) return null;
      const out: Doc = {};
      for (const el of v as unknown[]) {
        if (Array.isArray(el)) out[String(el[0])] = el[1];
        else out[String((el as Doc).k)] = (el as Doc).v;
      }
      return out;
    }
    case '$type':
      return bsonTypeName(args(arg, vars)[0]);
    case '$toString': {
      const [v] = args(arg, vars);
      if (isNullish(v)) return null;
      if (v instanceof Date) return v.toISOString();
      if (v instanceof ObjectId) return v.toHexString();
      return isNumber(v)
        ? numKind(v) === 'decimal' || numKind(v) === 'long'
          ? v!.toString()
          : String(toDouble(v))
        : String(v);
    }
    case '$toDecimal':
    case '$toDouble':
    case '$toInt':
    case '$toLong':
      return convertNumber(op, args(arg, vars)[0]);
    case '$toDate': {
      const [v] = args(arg, vars);
      if (isNullish(v)) return null;
      if (v instanceof Date) return v;
      if (v instanceof ObjectId) return v.getTimestamp();
      if (typeof v === 'string') return new Date(v);
      return new Date(toDouble(v));
    }
    case '$toBool':
      return isNullish(args(arg, vars)[0]) ? null : isTruthy(args(arg, vars)[0]);
    case '$year':
    case '$month':
    case '$dayOfMonth':
    case '$hour':
    case '$minute':
    case '$second':
    case '$millisecond':
    case '$dayOfWeek':
    case '$dayOfYear':
      return datePart(op, arg, vars);
    case '$dateToString':
      return dateToString(arg as Doc, vars);
    case '$dateTrunc':
      return dateTrunc(arg as Doc, vars);
    case '$dateAdd':
    case '$dateSubtract': {
      const spec = arg as Doc;
      const start = evaluate(spec.startDate, vars);
      if (isNullish(start)) return null;
      const amount = toDouble(evaluate(spec.amount, vars)) * (op === '$dateSubtract' ? -1 : 1);
      return addUnits(start as Date, String(evaluate(spec.unit, vars)), amount);
    }
    default:
      return unsupported(`The aggregation expression operator ${op}`);
  }
}

function reduceList(op: string, list: unknown[]): unknown {
  if (op === '$max' || op === '$min') {
    let best: unknown = null;
    for (const v of list) {
      if (isNullish(v)) continue;
      if (best === null || (op === '$max' ? compareValues(v, best) > 0 : compareValues(v, best) < 0))
        best = v;
    }
    return best;
  }
  let acc: unknown = new Int32(0);
  let n = 0;
  for (const v of list) {
    if (!isNumber(v)) continue;
    acc = addNumbers(acc, v);
    n += 1;
  }
  if (op === '$sum') return acc;
  return n === 0 ? null : divideNumbers(acc, new Int32(n));
}

function convertNumber(op: string, v: unknown): unknown {
  if (isNullish(v)) return null;
  let n: number;
  if (typeof v === 'string') {
    if (op === '$toDecimal') return Decimal128.fromString(v);
    n = Number(v);
    if (Number.isNaN(n)) fail(241, `Failed to parse number '${v}' in ${op}`);
  } else if (typeof v === 'boolean') n = v ? 1 : 0;
  else if (v instanceof Date) n = v.getTime();
  else if (isNumber(v)) {
    if (op === '$toDecimal')
      return numKind(v) === 'decimal'
        ? v
        : decToDecimal128(decFromString(numKind(v) === 'long' ? String(v) : String(toDouble(v))));
    if (op === '$toLong' && numKind(v) === 'long') return v;
    n = toDouble(v);
  } else return fail(241, `Unsupported conversion from ${bsonTypeName(v)} in ${op}`);
  if (op === '$toDouble') return new Double(n);
  if (op === '$toInt') return new Int32(Math.trunc(n));
  if (op === '$toLong') return Long.fromNumber(Math.trunc(n));
  return decToDecimal128(decFromString(String(n)));
}

function dateArg(arg: unknown, vars: Vars): { date: unknown; timezone?: unknown } {
  if (isPlainObject(arg) && 'date' in arg) return { date: evaluate(arg.date, vars), timezone: arg.timezone };
  return { date: args(arg, vars)[0] };
}

function requireUtc(timezone: unknown, vars: Vars): void {
  if (timezone === undefined) return;
  const tz = evaluate(timezone, vars);
  if (tz !== 'UTC' && tz !== 'Etc/UTC' && tz !== 'GMT' && tz !== '+00:00' && tz !== 'Z')
    unsupported(`A timezone other than UTC ("${String(tz)}")`);
}

function asDate(op: string, v: unknown): Date {
  if (v instanceof Date) return v;
  if (v instanceof ObjectId) return v.getTimestamp();
  return fail(16006, `can't convert from BSON type ${bsonTypeName(v)} to Date in ${op}`);
}

function datePart(op: string, arg: unknown, vars: Vars): unknown {
  const { date, timezone } = dateArg(arg, vars);
  requireUtc(timezone, vars);
  if (isNullish(date)) return null;
  const d = asDate(op, date);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  const values: Record<string, number> = {
    $year: d.getUTCFullYear(),
    $month: d.getUTCMonth() + 1,
    $dayOfMonth: d.getUTCDate(),
    $hour: d.getUTCHours(),
    $minute: d.getUTCMinutes(),
    $second: d.getUTCSeconds(),
    $millisecond: d.getUTCMilliseconds(),
    $dayOfWeek: d.getUTCDay() + 1,
    $dayOfYear: Math.floor((d.getTime() - start) / 86400000) + 1,
  };
  return new Int32(values[op] as number);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function dateToString(spec: Doc, vars: Vars): unknown {
  requireUtc(spec.timezone, vars);
  const v = evaluate(spec.date, vars);
  if (isNullish(v)) return spec.onNull !== undefined ? evaluate(spec.onNull, vars) : null;
  const d = asDate('$dateToString', v);
  const format = spec.format === undefined ? '%Y-%m-%dT%H:%M:%S.%LZ' : String(evaluate(spec.format, vars));
  return format.replace(/%([a-zA-Z%])/g, (_m, c: string) => {
    switch (c) {
      case 'Y':
        return pad(d.getUTCFullYear(), 4);
      case 'm':
        return pad(d.getUTCMonth() + 1);
      case 'd':
        return pad(d.getUTCDate());
      case 'H':
        return pad(d.getUTCHours());
      case 'M':
        return pad(d.getUTCMinutes());
      case 'S':
        return pad(d.getUTCSeconds());
      case 'L':
        return pad(d.getUTCMilliseconds(), 3);
      case 'j':
        return pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1, 3);
      case 'w':
        return String(d.getUTCDay() + 1);
      case 'z':
        return '+0000';
      case 'Z':
        return '+0';
      case '%':
        return '%';
      default:
        return unsupported(`The $dateToString format specifier %${c}`);
    }
  });
}

const unitMs: Record<string, number> = {
  millisecond: 1,
  second: 1000,
  minute: 60000,
  hour: 3600000,
  day: 86400000,
  week: 604800000,
};

function addUnits(start: Date, unit: string, amount: number): Date {
  if (unit in unitMs) return new Date(start.getTime() + amount * (unitMs[unit] as number));
  const d = new Date(start.getTime());
  if (unit === 'month' || unit === 'quarter' || unit === 'year') {
    const months = amount * (unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12);
    d.setUTCMonth(d.getUTCMonth() + months);
    return d;
  }
  return fail(2, `unknown time unit value: ${unit}`);
}

const weekdays = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** $dateTrunc in UTC. Bins count from 2000-01-01 (MongoDB's reference point). */
function dateTrunc(spec: Doc, vars: Vars): unknown {
  requireUtc(spec.timezone, vars);
  const v = evaluate(spec.date, vars);
  const unit = evaluate(spec.unit, vars);
  if (isNullish(v) || isNullish(unit)) return null;
  const d = asDate('$dateTrunc', v);
  const binSize = spec.binSize === undefined ? 1 : toDouble(evaluate(spec.binSize, vars));
  if (!Number.isInteger(binSize) || binSize < 1)
    fail(5439017, "$dateTrunc requires 'binSize' to be a positive integer");
  const u = String(unit);
  const ref = Date.UTC(2000, 0, 1);
  if (u === 'year' || u === 'quarter' || u === 'month') {
    const monthsPerBin = binSize * (u === 'year' ? 12 : u === 'quarter' ? 3 : 1);
    const months = (d.getUTCFullYear() - 2000) * 12 + d.getUTCMonth();
    const bin = Math.floor(months / monthsPerBin) * monthsPerBin;
    return new Date(Date.UTC(2000 + Math.floor(bin / 12), ((bin % 12) + 12) % 12, 1));
  }
  if (u === 'week') {
    const startOfWeek =
      spec.startOfWeek === undefined ? 'sunday' : String(evaluate(spec.startOfWeek, vars)).toLowerCase();
    let dow = weekdays.indexOf(startOfWeek);
    if (dow < 0) dow = weekdays.findIndex((w) => w.startsWith(startOfWeek.slice(0, 3)));
    if (dow < 0) fail(5439015, `unknown startOfWeek ${startOfWeek}`);
    // 2000-01-01 was a Saturday; shift the reference to the first startOfWeek on or after it.
    const refWeek = ref + ((dow - 6 + 7) % 7) * 86400000;
    const size = binSize * 604800000;
    return new Date(refWeek + Math.floor((d.getTime() - refWeek) / size) * size);
  }
  const ms = unitMs[u];
  if (ms === undefined) fail(2, `unknown time unit value: ${u}`);
  const size = binSize * ms;
  return new Date(ref + Math.floor((d.getTime() - ref) / size) * size);
}

export { exactNumber };
