/**
 * The aggregation pipeline: the stages analytics and the libraries use, evaluated in memory.
 * A leading $match (and $sort) is pushed into the collection's index planner.
 * Unknown stages and accumulators are refused with code 115.
 */
import { Int32 } from 'bson';
import type { Collection } from './collection';
import { fail, unsupported } from './errors';
import { evaluate, type Vars } from './expressions';
import { compileFilter } from './matcher';
import { NumericSum } from './numbers';
import { addFields, applyProjection, replaceRoot, unsetFields } from './projection';
import { parseSort, sortDocs } from './sort';
import {
  compareValues,
  type Doc,
  exactNumber,
  isNumber,
  isPlainObject,
  valueKey,
  valuesEqual,
  cloneValue,
} from './values';

export interface PipelineContext {
  collection(name: string): Collection | undefined;
  vars?: Vars;
}

function stageOf(stage: unknown): [string, unknown] {
  if (!isPlainObject(stage) || Object.keys(stage).length !== 1)
    fail(40323, 'A pipeline stage specification object must contain exactly one field.');
  return Object.entries(stage)[0] as [string, unknown];
}

/** Runs a pipeline over a collection, using its indexes for a leading $match/$sort. */
export function aggregateCollection(
  coll: Collection | undefined,
  pipeline: unknown[],
  ctx: PipelineContext,
): Doc[] {
  let stages = pipeline;
  let docs: Doc[];
  if (!coll) docs = [];
  else {
    const [first] = stages.map(stageOf);
    if (first && first[0] === '$match' && !hasExpr(first[1])) {
      const second = stages[1] ? stageOf(stages[1]) : undefined;
      const sort = second && second[0] === '$sort' ? parseSort(second[1]) : undefined;
      docs = coll.find(first[1] as Doc, { sort });
      stages = stages.slice(sort ? 2 : 1);
    } else docs = [...coll.docs.values()];
  }
  return runPipeline(docs, stages, ctx);
}

function hasExpr(filter: unknown): boolean {
  return isPlainObject(filter) && '$expr' in filter;
}

export function runPipeline(input: Doc[], pipeline: unknown[], ctx: PipelineContext): Doc[] {
  let docs = input;
  const vars = ctx.vars ?? {};
  for (const raw of pipeline) {
    const [name, spec] = stageOf(raw);
    switch (name) {
      case '$match': {
        const pred = compileFilter(spec, vars);
        docs = docs.filter((d) => pred(d));
        break;
      }
      case '$project':
        docs = docs.map((d) => applyProjection(d, spec as Doc, vars));
        break;
      case '$addFields':
      case '$set':
        docs = docs.map((d) => addFields(d, spec as Doc, vars));
        break;
      case '$unset':
        docs = docs.map((d) => unsetFields(d, spec));
        break;
      case '$replaceRoot':
        docs = docs.map((d) => replaceRoot(d, (spec as Doc).newRoot, vars));
        break;
      case '$replaceWith':
        docs = docs.map((d) => replaceRoot(d, spec, vars));
        break;
      case '$sort':
        docs = sortDocs([...docs], parseSort(spec));
        break;
      case '$limit': {
        const n = exactNumber(spec);
        if (n === undefined || n <= 0) fail(15958, 'the limit must be positive');
        docs = docs.slice(0, n);
        break;
      }
      case '$skip': {
        const n = exactNumber(spec);
        if (n === undefined || n < 0) fail(15956, 'Argument to $skip cannot be negative');
        docs = docs.slice(n);
        break;
      }
      case '$count': {
        if (typeof spec !== 'string' || spec === '')
          fail(40156, 'the count field must be a non-empty string');
        docs = docs.length ? [{ [spec]: new Int32(docs.length) }] : [];
        break;
      }
      case '$group':
        docs = group(docs, spec as Doc, vars);
        break;
      case '$sortByCount':
        docs = sortDocs(group(docs, { _id: spec, count: { $sum: 1 } }, vars), [['count', -1]]);
        break;
      case '$unwind':
        docs = unwind(docs, spec);
        break;
      case '$lookup':
        docs = docs.map((d) => lookup(d, spec as Doc, ctx));
        break;
      case '$facet': {
        const out: Doc = {};
        for (const [k, sub] of Object.entries(spec as Doc)) out[k] = runPipeline(docs, sub as unknown[], ctx);
        docs = [out];
        break;
      }
      case '$bucket':
        docs = bucket(docs, spec as Doc, vars);
        break;
      default:
        unsupported(`The aggregation stage ${name}`);
    }
  }
  return docs;
}

type Accumulator = { add(v: unknown): void; result(): unknown };

function makeAccumulator(op: string): Accumulator {
  switch (op) {
    case '$sum': {
      const s = new NumericSum();
      return { add: (v) => s.add(v), result: () => s.result() };
    }
    case '$avg': {
      const s = new NumericSum();
      return { add: (v) => s.add(v), result: () => s.average() };
    }
    case '$min':
    case '$max': {
      let best: unknown;
      return {
        add: (v) => {
          if (v === undefined || v === null) return;
          if (best === undefined || (op === '$min' ? compareValues(v, best) < 0 : compareValues(v, best) > 0))
            best = v;
        },
        result: () => best ?? null,
      };
    }
    case '$push': {
      const list: unknown[] = [];
      return { add: (v) => void (v !== undefined && list.push(v)), result: () => list };
    }
    case '$addToSet': {
      const map = new Map<string, unknown>();
      return {
        add: (v) => void (v !== undefined && !map.has(valueKey(v)) && map.set(valueKey(v), v)),
        result: () => [...map.values()],
      };
    }
    case '$first': {
      let set = false;
      let first: unknown = null;
      return {
        add: (v) => {
          if (!set) {
            set = true;
            first = v ?? null;
          }
        },
        result: () => first,
      };
    }
    case '$last': {
      let last: unknown = null;
      return { add: (v) => void (last = v ?? null), result: () => last };
    }
    default:
      return unsupported(`The $group accumulator ${op}`);
  }
}

function group(docs: Doc[], spec: Doc, vars: Vars, idOf?: (doc: Doc, index: number) => unknown): Doc[] {
  if (!('_id' in spec)) fail(15955, 'a group specification must include an _id');
  const fields = Object.entries(spec).filter(([k]) => k !== '_id');
  const accSpecs = fields.map(([k, v]) => {
    if (!isPlainObject(v) || Object.keys(v).length !== 1)
      fail(40234, `The field '${k}' must be an accumulator object`);
    let [op, arg] = Object.entries(v)[0] as [string, unknown];
    if (op === '$count') {
      op = '$sum';
      arg = 1;
    }
    return { name: k, op, arg };
  });
  const groups = new Map<string, { id: unknown; accs: Accumulator[] }>();
  docs.forEach((doc, index) => {
    const ctx = { ROOT: doc, CURRENT: doc, ...vars };
    const id = (idOf ? idOf(doc, index) : evaluate(spec._id, ctx)) ?? null;
    const key = valueKey(id);
    let g = groups.get(key);
    if (!g) {
      g = { id, accs: accSpecs.map((a) => makeAccumulator(a.op)) };
      groups.set(key, g);
    }
    accSpecs.forEach((a, i) => g!.accs[i]!.add(evaluate(a.arg, ctx)));
  });
  return [...groups.values()].map((g) => {
    const out: Doc = { _id: g.id };
    accSpecs.forEach((a, i) => (out[a.name] = g.accs[i]!.result()));
    return out;
  });
}

function unwind(docs: Doc[], spec: unknown): Doc[] {
  const opts = typeof spec === 'string' ? { path: spec } : (spec as Doc);
  const path = String(opts.path);
  if (!path.startsWith('$')) fail(28818, "path option to $unwind stage should be prefixed with a '$'");
  const field = path.slice(1);
  const keepEmpty = opts.preserveNullAndEmptyArrays === true;
  const indexField = typeof opts.includeArrayIndex === 'string' ? opts.includeArrayIndex : undefined;
  const out: Doc[] = [];
  for (const doc of docs) {
    const v = evaluate(path, { ROOT: doc, CURRENT: doc });
    if (Array.isArray(v) && v.length > 0) {
      v.forEach((el, i) => {
        const copy = cloneValue(doc);
        setTop(copy, field, el);
        if (indexField) copy[indexField] = new Int32(i);
        out.push(copy);
      });
    } else if (v !== undefined && v !== null && !Array.isArray(v)) {
      const copy = cloneValue(doc);
      if (indexField) copy[indexField] = null;
      out.push(copy);
    } else if (keepEmpty) {
      const copy = cloneValue(doc);
      if (Array.isArray(v)) delete copy[field];
      if (indexField) copy[indexField] = null;
      out.push(copy);
    }
  }
  return out;
}

function setTop(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i += 1) {
    if (!isPlainObject(cur[parts[i] as string])) cur[parts[i] as string] = {};
    cur = cur[parts[i] as string] as Doc;
  }
  cur[parts[parts.length - 1] as string] = value;
}

function lookup(doc: Doc, spec: Doc, ctx: PipelineContext): Doc {
  const from = ctx.collection(String(spec.from));
  const as = String(spec.as);
  let foreign = from ? [...from.docs.values()] : [];
  if (spec.localField !== undefined && spec.foreignField !== undefined) {
    const local = evaluate(`$${String(spec.localField)}`, { ROOT: doc, CURRENT: doc });
    const locals = Array.isArray(local) ? local : [local ?? null];
    const filter = { [String(spec.foreignField)]: { $in: locals } };
    foreign = from ? from.find(filter) : [];
  }
  if (spec.pipeline !== undefined) {
    const letVars: Vars = { ...(ctx.vars ?? {}) };
    for (const [k, e] of Object.entries((spec.let as Doc) ?? {}))
      letVars[k] = evaluate(e, { ROOT: doc, CURRENT: doc });
    foreign = runPipeline(foreign, spec.pipeline as unknown[], { ...ctx, vars: letVars });
  }
  const out = cloneValue(doc);
  setTop(
    out,
    as,
    foreign.map((d) => cloneValue(d)),
  );
  return out;
}

function bucket(docs: Doc[], spec: Doc, vars: Vars): Doc[] {
  const boundaries = spec.boundaries as unknown[];
  if (!Array.isArray(boundaries) || boundaries.length < 2)
    fail(40192, "The $bucket 'boundaries' field must be an array of at least two values");
  for (let i = 1; i < boundaries.length; i += 1) {
    if (compareValues(boundaries[i - 1], boundaries[i]) >= 0)
      fail(40194, "The 'boundaries' option to $bucket must be sorted in ascending order");
  }
  const output = (spec.output as Doc | undefined) ?? { count: { $sum: 1 } };
  const hasDefault = 'default' in spec;
  const tagged = docs.map((doc) => {
    const v = evaluate(spec.groupBy, { ROOT: doc, CURRENT: doc, ...vars });
    let idx = -1;
    for (let i = 0; i < boundaries.length - 1; i += 1) {
      const sameType = isNumber(v) ? isNumber(boundaries[i]) : valuesEqual(typeof v, typeof boundaries[i]);
      if (sameType && compareValues(v, boundaries[i]) >= 0 && compareValues(v, boundaries[i + 1]) < 0) {
        idx = i;
        break;
      }
    }
    if (idx < 0 && !hasDefault)
      fail(40066, `$bucket could not find a matching branch for an input, and no default was specified.`);
    return { doc, id: idx < 0 ? spec.default : boundaries[idx] };
  });
  // Bucket ids are computed above and passed in, so $$ROOT in the output stays the input document.
  const grouped = group(
    tagged.map((t) => t.doc),
    { _id: null, ...output },
    vars,
    (_doc, i) => tagged[i]!.id,
  );
  return grouped.sort((a, b) => {
    const ia = boundaries.findIndex((x) => valuesEqual(x, a._id));
    const ib = boundaries.findIndex((x) => valuesEqual(x, b._id));
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
  });
}
