/**
 * Projections shared by find and the $project/$addFields/$unset/$replaceRoot stages:
 * inclusion, exclusion, computed fields and $slice, with MongoDB's _id default.
 */
import { fail, unsupported } from './errors';
import { evaluate, type Vars } from './expressions';
import { type Doc, exactNumber, isPlainObject, isTruthy, cloneValue, isNumber } from './values';

type Spec = Doc;

function isInclusionFlag(v: unknown): boolean {
  return typeof v === 'boolean' || isNumber(v);
}

/** Flattens nested projection objects into dotted paths, keeping operator objects whole. */
function flatten(spec: Spec, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(spec)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v) && Object.keys(v).length > 0 && !(Object.keys(v)[0] as string).startsWith('$'))
      out.push(...flatten(v, path));
    else out.push([path, v]);
  }
  return out;
}

export function applyProjection(doc: Doc, spec: Spec | undefined, vars: Vars = {}): Doc {
  if (!spec || Object.keys(spec).length === 0) return doc;
  const entries = flatten(spec);
  let idSetting: unknown;
  const rest: [string, unknown][] = [];
  for (const [path, v] of entries) {
    if (path === '_id') idSetting = v;
    else rest.push([path, v]);
  }
  const excluding =
    rest.length > 0
      ? rest.every(([, v]) => isInclusionFlag(v) && !isTruthy(v))
      : idSetting !== undefined && isInclusionFlag(idSetting) && !isTruthy(idSetting);
  if (!excluding && rest.some(([, v]) => isInclusionFlag(v) && !isTruthy(v))) {
    fail(
      31254,
      `Cannot do exclusion on field ${rest.find(([, v]) => isInclusionFlag(v) && !isTruthy(v))?.[0]} in inclusion projection`,
    );
  }
  const ctx: Vars = { ROOT: doc, CURRENT: doc, ...vars };
  if (excluding) {
    const out = cloneValue(doc);
    for (const [path] of rest) removePath(out, path.split('.'));
    if (idSetting !== undefined && !isTruthy(idSetting)) delete out._id;
    return out;
  }
  const out: Doc = {};
  if (idSetting === undefined || (isInclusionFlag(idSetting) && isTruthy(idSetting))) {
    if (doc._id !== undefined) out._id = doc._id;
  } else if (!isInclusionFlag(idSetting)) {
    out._id = evaluate(idSetting, ctx);
  }
  for (const [path, v] of rest) {
    if (isInclusionFlag(v)) includePath(doc, out, path.split('.'));
    else if (isPlainObject(v) && '$slice' in v && Object.keys(v).length === 1 && !Array.isArray(doc)) {
      sliceInto(doc, out, path, v.$slice);
    } else if (isPlainObject(v) && ('$elemMatch' in v || '$meta' in v)) {
      unsupported(`The projection operator ${Object.keys(v)[0]}`);
    } else {
      const value = evaluate(v, ctx);
      if (value !== undefined) setComputed(out, path.split('.'), value);
    }
  }
  return out;
}

function includePath(src: unknown, dst: Doc, parts: string[]): void {
  const [head, ...rest] = parts;
  if (!isPlainObject(src) || !(head! in src)) return;
  const v = src[head as string];
  if (rest.length === 0) {
    dst[head as string] = cloneValue(v);
    return;
  }
  if (Array.isArray(v)) {
    const existing = Array.isArray(dst[head as string]) ? (dst[head as string] as unknown[]) : undefined;
    const arr: unknown[] = [];
    v.forEach((el, i) => {
      if (!isPlainObject(el)) return;
      const target = existing && isPlainObject(existing[arr.length]) ? (existing[arr.length] as Doc) : {};
      includePath(el, target, rest);
      arr.push(target);
      void i;
    });
    dst[head as string] = arr;
    return;
  }
  if (isPlainObject(v)) {
    const target = isPlainObject(dst[head as string]) ? (dst[head as string] as Doc) : {};
    includePath(v, target, rest);
    dst[head as string] = target;
  }
}

function removePath(doc: unknown, parts: string[]): void {
  const [head, ...rest] = parts;
  if (Array.isArray(doc)) {
    for (const el of doc) removePath(el, parts);
    return;
  }
  if (!isPlainObject(doc)) return;
  if (rest.length === 0) delete doc[head as string];
  else removePath(doc[head as string], rest);
}

function setComputed(dst: Doc, parts: string[], value: unknown): void {
  let cur = dst;
  for (let i = 0; i < parts.length - 1; i += 1) {
    const p = parts[i] as string;
    if (!isPlainObject(cur[p])) cur[p] = {};
    cur = cur[p] as Doc;
  }
  cur[parts[parts.length - 1] as string] = value;
}

function sliceInto(doc: Doc, out: Doc, path: string, arg: unknown): void {
  const parts = path.split('.');
  let v: unknown = doc;
  for (const p of parts) v = isPlainObject(v) ? v[p] : undefined;
  if (v === undefined) return;
  if (!Array.isArray(v)) {
    setComputed(out, parts, v);
    return;
  }
  let sliced: unknown[];
  if (Array.isArray(arg)) {
    const skip = exactNumber(arg[0]) ?? 0;
    const limit = exactNumber(arg[1]) ?? 0;
    const start = skip < 0 ? Math.max(0, v.length + skip) : skip;
    sliced = v.slice(start, start + limit);
  } else {
    const n = exactNumber(arg) ?? 0;
    sliced = n >= 0 ? v.slice(0, n) : v.slice(Math.max(0, v.length + n));
  }
  setComputed(out, parts, sliced);
}

/** $addFields / $set stage. */
export function addFields(doc: Doc, spec: Spec, vars: Vars = {}): Doc {
  const out = cloneValue(doc);
  const ctx: Vars = { ROOT: doc, CURRENT: doc, ...vars };
  for (const [path, expr] of flatten(spec)) {
    const value = evaluate(expr, ctx);
    if (value === undefined) removePath(out, path.split('.'));
    else setComputed(out, path.split('.'), value);
  }
  return out;
}

export function unsetFields(doc: Doc, spec: unknown): Doc {
  const fields = typeof spec === 'string' ? [spec] : spec;
  if (!Array.isArray(fields)) fail(31002, '$unset specification must be a string or an array');
  const out = cloneValue(doc);
  for (const f of fields) removePath(out, String(f).split('.'));
  return out;
}

export function replaceRoot(doc: Doc, newRoot: unknown, vars: Vars = {}): Doc {
  const value = evaluate(newRoot, { ROOT: doc, CURRENT: doc, ...vars });
  if (!isPlainObject(value))
    fail(40228, `'newRoot' expression must evaluate to an object, but resulting value was: ${String(value)}`);
  return value;
}
