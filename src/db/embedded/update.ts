/**
 * Update documents: operator updates ($set, $inc, $push, positional `$`, `$[]`, `$[id]` with
 * arrayFilters), replacements and pipeline updates, with MongoDB's typing and error codes.
 */
import { Decimal128, Double, Int32, Long, Timestamp } from 'bson';
import { fail, unsupported } from './errors';
import { compileCondition, compileFilter } from './matcher';
import { addNumbers, multiplyNumbers } from './numbers';
import { getPath, setPath, unsetPath } from './paths';
import {
  compareValues,
  type Doc,
  isNumber,
  isPlainObject,
  isTruthy,
  numKind,
  toDouble,
  valuesEqual,
  cloneValue,
  bsonTypeName,
} from './values';
import { applyDocumentStages } from './pipeline-update';

export interface UpdateOptions {
  isInsert: boolean;
  position?: number;
  arrayFilters?: Doc[];
}

export function isOperatorUpdate(update: unknown): boolean {
  if (!isPlainObject(update)) return false;
  const keys = Object.keys(update);
  return keys.length > 0 && (keys[0] as string).startsWith('$');
}

function describeId(doc: Doc): string {
  return `{_id: ${String(doc._id)}}`;
}

/** Applies `update` to a copy of `doc` and returns the new document. */
export function applyUpdate(doc: Doc, update: unknown, options: UpdateOptions): Doc {
  if (Array.isArray(update)) {
    const out = applyDocumentStages(cloneValue(doc), update);
    if (!options.isInsert && !valuesEqual(out._id, doc._id))
      fail(66, "Performing an update on the path '_id' would modify the immutable field '_id'");
    return out;
  }
  if (!isPlainObject(update)) fail(9, 'Update document must be an object or a pipeline');
  if (!isOperatorUpdate(update)) return replaceDocument(doc, update, options);
  const out = cloneValue(doc);
  const filters = compileArrayFilters(options.arrayFilters);
  checkConflicts(update);
  for (const [op, spec] of Object.entries(update)) {
    if (!op.startsWith('$'))
      fail(
        9,
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    if (!isPlainObject(spec))
      fail(
        9,
        `Modifiers operate on fields but we found type ${bsonTypeName(spec)} instead. For example: {$mod: {<field>: ...}} not {${op}: ${String(spec)}}`,
      );
    if (op === '$setOnInsert' && !options.isInsert) continue;
    for (const [rawPath, arg] of Object.entries(spec)) {
      if (rawPath === '_id' || rawPath.startsWith('_id.')) checkIdUpdate(doc, op, rawPath, arg, options);
      for (const path of expandPaths(out, rawPath, options, filters)) applyOperator(out, op, path, arg, doc);
    }
  }
  return out;
}

/** _id is immutable: only a no-op $set, or setting it while inserting, is allowed. */
function checkIdUpdate(doc: Doc, op: string, path: string, arg: unknown, options: UpdateOptions): void {
  const setting = op === '$set' || op === '$setOnInsert';
  if (setting && (valuesEqual(getPath(doc, path), arg) || (options.isInsert && doc._id === undefined)))
    return;
  fail(66, "Performing an update on the path '_id' would modify the immutable field '_id'");
}

function replaceDocument(doc: Doc, replacement: Doc, options: UpdateOptions): Doc {
  for (const k of Object.keys(replacement)) {
    if (k.startsWith('$'))
      fail(
        52,
        `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document.`,
      );
  }
  if (
    '_id' in replacement &&
    replacement._id !== undefined &&
    doc._id !== undefined &&
    !valuesEqual(replacement._id, doc._id) &&
    !options.isInsert
  ) {
    fail(66, "After applying the update, the (immutable) field '_id' was found to have been altered");
  }
  const out: Doc = {};
  if (doc._id !== undefined) out._id = doc._id;
  for (const [k, v] of Object.entries(cloneValue(replacement)))
    if (k !== '_id' || out._id === undefined) out[k] = v;
  return out;
}

function checkConflicts(update: Doc): void {
  const paths: string[] = [];
  for (const spec of Object.values(update)) if (isPlainObject(spec)) paths.push(...Object.keys(spec));
  for (const op of ['$rename']) {
    const spec = update[op];
    if (isPlainObject(spec)) paths.push(...Object.values(spec).map(String));
  }
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i += 1) {
    const a = sorted[i - 1] as string;
    const b = sorted[i] as string;
    if (a === b || b.startsWith(`${a}.`))
      fail(40, `Updating the path '${b}' would create a conflict at '${a}'`);
  }
}

type ArrayFilters = Map<string, (el: unknown) => boolean>;

function compileArrayFilters(filters: Doc[] | undefined): ArrayFilters {
  const map: ArrayFilters = new Map();
  for (const f of filters ?? []) {
    const keys = Object.keys(f);
    const ident = (keys[0] ?? '').split('.')[0] as string;
    if (!/^[a-z][a-zA-Z0-9]*$/.test(ident))
      fail(
        2,
        `Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${ident}'`,
      );
    // { ident: cond } tests the element itself; { 'ident.f': cond } tests fields of it.
    const rewritten: Doc = {};
    let selfCond: unknown;
    for (const k of keys) {
      if (k === ident) selfCond = f[k];
      else rewritten[k.slice(ident.length + 1)] = f[k];
    }
    const docPred = Object.keys(rewritten).length ? compileFilter(rewritten) : undefined;
    const selfPred = selfCond !== undefined ? compileCondition(selfCond) : undefined;
    map.set(ident, (el) => {
      if (selfPred && !selfPred({ values: [el], missing: el === undefined, positions: [undefined] }))
        return false;
      if (docPred && !(isPlainObject(el) && docPred(el))) return false;
      return true;
    });
  }
  return map;
}

/** Expands `$`, `$[]` and `$[id]` into concrete paths for this document. */
function expandPaths(doc: Doc, path: string, options: UpdateOptions, filters: ArrayFilters): string[] {
  const parts = path.split('.');
  if (!parts.some((p) => p.startsWith('$'))) return [path];
  let prefixes: string[][] = [[]];
  for (const part of parts) {
    if (part === '$') {
      if (options.position === undefined) {
        if (options.isInsert)
          fail(2, 'The positional operator did not find the match needed from the query.');
        fail(2, 'The positional operator did not find the match needed from the query.');
      }
      prefixes = prefixes.map((p) => [...p, String(options.position)]);
    } else if (part === '$[]' || /^\$\[[a-zA-Z0-9]+\]$/.test(part)) {
      const ident = part.slice(2, -1);
      const test = ident ? filters.get(ident) : undefined;
      if (ident && !test) fail(2, `No array filter found for identifier '${ident}' in path '${path}'`);
      const next: string[][] = [];
      for (const p of prefixes) {
        const arr = p.length ? getPath(doc, p.join('.')) : undefined;
        if (!Array.isArray(arr)) {
          if (options.isInsert) continue;
          fail(2, `The path '${p.join('.')}' must exist in the document in order to apply array updates.`);
        }
        arr.forEach((el, i) => {
          if (!test || test(el)) next.push([...p, String(i)]);
        });
      }
      prefixes = next;
    } else if (part.startsWith('$')) {
      fail(2, `The dollar ($) prefixed field '${part}' in '${path}' is not valid for storage.`);
    } else {
      prefixes = prefixes.map((p) => [...p, part]);
    }
  }
  return prefixes.map((p) => p.join('.'));
}

function applyOperator(doc: Doc, op: string, path: string, arg: unknown, original: Doc): void {
  const current = getPath(doc, path);
  switch (op) {
    case '$set':
    case '$setOnInsert':
      setPath(doc, path, cloneValue(arg));
      return;
    case '$unset':
      unsetPath(doc, path);
      return;
    case '$inc':
    case '$mul': {
      if (!isNumber(arg))
        fail(
          14,
          `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${String(arg)}}`,
        );
      if (current === undefined) {
        setPath(doc, path, op === '$inc' ? arg : zeroLike(arg));
        return;
      }
      if (!isNumber(current)) {
        fail(
          14,
          `Cannot apply ${op} to a value of non-numeric type. ${describeId(original)} has the field '${path.split('.').pop()}' of non-numeric type ${bsonTypeName(current)}`,
        );
      }
      const result = op === '$inc' ? addNumbers(current, arg, false) : multiplyNumbers(current, arg, false);
      if (result === undefined) {
        fail(
          2,
          `Failed to apply ${op} operations to current value (${String(current)}) for document ${describeId(original)}`,
        );
      }
      setPath(doc, path, result);
      return;
    }
    case '$min':
    case '$max': {
      if (current === undefined) setPath(doc, path, cloneValue(arg));
      else {
        const c = compareValues(arg, current);
        if ((op === '$min' && c < 0) || (op === '$max' && c > 0)) setPath(doc, path, cloneValue(arg));
      }
      return;
    }
    case '$rename': {
      if (typeof arg !== 'string')
        fail(2, `The 'to' field for $rename must be a string: ${path}: ${String(arg)}`);
      if (current === undefined) return;
      unsetPath(doc, path);
      setPath(doc, arg, current);
      return;
    }
    case '$currentDate': {
      const wantsTimestamp = isPlainObject(arg) && arg.$type === 'timestamp';
      setPath(
        doc,
        path,
        wantsTimestamp ? Timestamp.fromNumber(Math.floor(Date.now() / 1000) * 2 ** 32) : new Date(),
      );
      return;
    }
    case '$push':
    case '$addToSet':
      return pushValues(doc, op, path, arg, current, original);
    case '$pull':
    case '$pullAll': {
      if (current === undefined) return;
      if (!Array.isArray(current)) fail(2, `Cannot apply ${op} to a non-array value`);
      let keep: (el: unknown) => boolean;
      if (op === '$pullAll') {
        if (!Array.isArray(arg))
          fail(2, `$pullAll requires an array argument but was given a ${bsonTypeName(arg)}`);
        keep = (el) => !arg.some((a) => valuesEqual(a, el));
      } else if (isPlainObject(arg) && Object.keys(arg).length > 0) {
        const opKeys = (Object.keys(arg)[0] as string).startsWith('$');
        const test = opKeys ? compileCondition(arg) : undefined;
        const docTest = opKeys ? undefined : compileFilter(arg);
        keep = (el) =>
          test
            ? !test({ values: [el], missing: false, positions: [undefined] })
            : !(isPlainObject(el) && docTest!(el));
      } else {
        keep = (el) => !valuesEqual(el, arg);
      }
      setPath(doc, path, current.filter(keep));
      return;
    }
    case '$pop': {
      if (current === undefined) return;
      if (!Array.isArray(current))
        fail(14, `Path '${path}' contains an element of non-array type '${bsonTypeName(current)}'`);
      const copy = [...current];
      if (toDouble(arg) < 0) copy.shift();
      else copy.pop();
      setPath(doc, path, copy);
      return;
    }
    case '$bit':
      return unsupported('The update operator $bit');
    default:
      return unsupported(`The update operator ${op}`);
  }
}

/** $mul on a missing field stores zero of the multiplier's numeric type. */
function zeroLike(v: unknown): unknown {
  const k = numKind(v);
  if (k === 'long') return Long.fromNumber(0);
  if (k === 'decimal') return Decimal128.fromString('0');
  if (k === 'double') return new Double(0);
  return new Int32(0);
}

function pushValues(doc: Doc, op: string, path: string, arg: unknown, current: unknown, original: Doc): void {
  if (current !== undefined && !Array.isArray(current)) {
    fail(
      2,
      `The field '${path}' must be an array but is of type ${bsonTypeName(current)} in document ${describeId(original)}`,
    );
  }
  const arr = current === undefined ? [] : [...current];
  const hasEach = isPlainObject(arg) && '$each' in arg;
  const spec = hasEach ? (arg as Doc) : {};
  const values = hasEach ? spec.$each : [arg];
  if (!Array.isArray(values))
    fail(2, `The argument to $each in ${op} must be an array but it was of type: ${bsonTypeName(values)}`);
  if (op === '$addToSet') {
    for (const v of values) if (!arr.some((x) => valuesEqual(x, v))) arr.push(cloneValue(v));
    setPath(doc, path, arr);
    return;
  }
  const position = spec.$position === undefined ? arr.length : Math.trunc(toDouble(spec.$position));
  const at = position < 0 ? Math.max(0, arr.length + position) : Math.min(position, arr.length);
  arr.splice(at, 0, ...values.map((v) => cloneValue(v)));
  if (spec.$sort !== undefined) {
    const sort = spec.$sort;
    if (isPlainObject(sort)) {
      const fields = Object.entries(sort);
      arr.sort((a, b) => {
        for (const [f, dir] of fields) {
          const c = compareValues(getPath(a, f) ?? null, getPath(b, f) ?? null);
          if (c !== 0) return c * (toDouble(dir) < 0 ? -1 : 1);
        }
        return 0;
      });
    } else {
      const dir = toDouble(sort) < 0 ? -1 : 1;
      arr.sort((a, b) => compareValues(a, b) * dir);
    }
  }
  let result = arr;
  if (spec.$slice !== undefined) {
    const n = Math.trunc(toDouble(spec.$slice));
    result = n >= 0 ? arr.slice(0, n) : arr.slice(Math.max(0, arr.length + n));
  }
  setPath(doc, path, result);
}

export { isTruthy };
