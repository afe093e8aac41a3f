/**
 * Query planning: turns a filter (and sort) into index scans so lookups by _id and by indexed
 * fields never walk the whole collection. Every candidate is re-checked by the full matcher,
 * so a plan only has to return a superset of the matching documents.
 */
import { BSONRegExp } from 'bson';
import { type Index, type Interval, inIntervals, MAX_ALL, MIN_ALL } from './index';
import { type Doc, isPlainObject, TypeBound, typeOrder, compareValues, exactNumber } from './values';

export interface Plan {
  index: Index;
  /** Intervals per index field; undefined means unconstrained. */
  bounds: (Interval[] | undefined)[];
  ranges: { start: unknown[]; end: unknown[] }[];
  /** Whether scanning yields documents already in the requested sort order. */
  providesSort: boolean;
  reverse: boolean;
  score: number;
}

const FULL: Interval = { lo: MIN_ALL, hi: MAX_ALL, loInc: true, hiInc: true };

/** Top-level conjuncts of a filter, with $and flattened. */
export function conjuncts(filter: Doc): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const sub of v) if (isPlainObject(sub)) out.push(...conjuncts(sub));
    } else out.push([k, v]);
  }
  return out;
}

function point(v: unknown): Interval {
  return { lo: v, hi: v, loInc: true, hiInc: true };
}

function isLiteral(v: unknown): boolean {
  return (
    !(v instanceof RegExp) &&
    !(v instanceof BSONRegExp) &&
    !Array.isArray(v) &&
    !(isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$')))
  );
}

/** Intervals a single condition allows, or undefined when it cannot bound an index. */
function conditionIntervals(cond: unknown, multikey: boolean): Interval[] | undefined {
  if (!isPlainObject(cond) || !Object.keys(cond).some((k) => k.startsWith('$'))) {
    if (!isLiteral(cond) || (multikey && isPlainObject(cond))) return undefined;
    return [point(cond ?? null)];
  }
  let acc: Interval[] | undefined;
  for (const [op, arg] of Object.entries(cond)) {
    let ivs: Interval[] | undefined;
    if (op === '$eq') ivs = isLiteral(arg) ? [point(arg ?? null)] : undefined;
    else if (op === '$in' && Array.isArray(arg) && arg.every(isLiteral)) {
      const sorted = [...arg].map((a) => a ?? null).sort(compareValues);
      ivs = sorted.filter((v, i) => i === 0 || compareValues(v, sorted[i - 1]) !== 0).map(point);
    } else if (['$gt', '$gte', '$lt', '$lte'].includes(op)) ivs = rangeInterval(op, arg);
    if (!ivs) continue;
    if (!acc) acc = ivs;
    else if (multikey)
      continue; // bounds on one multikey field cannot be intersected
    else acc = intersect(acc, ivs);
  }
  return acc;
}

function rangeInterval(op: string, arg: unknown): Interval[] | undefined {
  if (arg === null || arg === undefined) return op === '$gte' || op === '$lte' ? [point(null)] : [];
  if (arg instanceof RegExp || Number.isNaN(exactNumber(arg))) return undefined;
  const t = typeOrder(arg);
  if (op === '$gt' || op === '$gte')
    return [{ lo: arg, loInc: op === '$gte', hi: new TypeBound(t, true), hiInc: true }];
  return [{ lo: new TypeBound(t, false), loInc: true, hi: arg, hiInc: op === '$lte' }];
}

function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) {
    for (const y of b) {
      const loC = compareValues(x.lo, y.lo);
      const lo = loC > 0 ? x : loC < 0 ? y : { ...x, loInc: x.loInc && y.loInc };
      const hiC = compareValues(x.hi, y.hi);
      const hi = hiC < 0 ? x : hiC > 0 ? y : { ...x, hiInc: x.hiInc && y.hiInc };
      const c = compareValues(lo.lo, hi.hi);
      if (c < 0 || (c === 0 && lo.loInc && hi.hiInc))
        out.push({ lo: lo.lo, loInc: lo.loInc, hi: hi.hi, hiInc: hi.hiInc });
    }
  }
  return out;
}

/** Whether every condition of the index's partial filter appears verbatim in the query. */
function impliesPartial(index: Index, parts: [string, unknown][]): boolean {
  const pfe = index.spec.partialFilterExpression;
  if (!pfe) return true;
  return conjuncts(pfe).every(([k, v]) => parts.some(([qk, qv]) => qk === k && compareValues(qv, v) === 0));
}

export function planIndex(
  index: Index,
  parts: [string, unknown][],
  sort: [string, number][] | undefined,
): Plan | undefined {
  if (!impliesPartial(index, parts)) return undefined;
  const bounds = index.fields.map((f) => {
    let acc: Interval[] | undefined;
    for (const [k, v] of parts) {
      if (k !== f) continue;
      const ivs = conditionIntervals(v, index.multikey);
      if (!ivs) continue;
      acc = acc && !index.multikey ? intersect(acc, ivs) : (acc ?? ivs);
    }
    return acc;
  });
  // A sparse index lacks documents missing the field, so it cannot answer null/unbounded lookups.
  if (index.spec.sparse && bounds.some((b) => !b || b.some((iv) => inIntervals(null, [iv]))))
    return undefined;
  // Build ranges: a prefix of point fields (expanded), then one interval field.
  let prefixes: unknown[][] = [[]];
  let score = 0;
  let i = 0;
  let rangeIvs: Interval[] | undefined;
  for (; i < index.fields.length; i += 1) {
    const b = bounds[i];
    if (!b) break;
    const points = b.every((iv) => iv.loInc && iv.hiInc && compareValues(iv.lo, iv.hi) === 0);
    if (points && prefixes.length * b.length <= 256) {
      prefixes = prefixes.flatMap((p) => b.map((iv) => [...p, iv.lo]));
      score += 2;
      continue;
    }
    rangeIvs = b;
    score += 1;
    break;
  }
  const dirs = index.dirs;
  const fill = (key: unknown[], low: boolean): unknown[] => {
    const out = [...key];
    for (let j = out.length; j < index.fields.length; j += 1)
      out.push((dirs[j] as number) > 0 === low ? MIN_ALL : MAX_ALL);
    return out;
  };
  const ranges: { start: unknown[]; end: unknown[] }[] = [];
  for (const p of prefixes) {
    if (rangeIvs) {
      for (const iv of rangeIvs) {
        const asc = (dirs[i] as number) > 0;
        ranges.push({
          start: fill([...p, asc ? iv.lo : iv.hi], true),
          end: fill([...p, asc ? iv.hi : iv.lo], false),
        });
      }
    } else ranges.push({ start: fill(p, true), end: fill(p, false) });
  }
  ranges.sort((a, b) => index.compareKeys(a.start, b.start));
  const { providesSort, reverse } = sortSupport(index, bounds, sort);
  return { index, bounds, ranges, providesSort, reverse, score };
}

function sortSupport(index: Index, bounds: (Interval[] | undefined)[], sort: [string, number][] | undefined) {
  if (!sort || sort.length === 0) return { providesSort: true, reverse: false };
  if (index.multikey) return { providesSort: false, reverse: false };
  const isPoint = (j: number) => {
    const b = bounds[j];
    return !!b && b.length === 1 && compareValues(b[0]!.lo, b[0]!.hi) === 0 && b[0]!.loInc && b[0]!.hiInc;
  };
  const wanted = sort.filter(([f]) => {
    const j = index.fields.indexOf(f);
    return !(j >= 0 && isPoint(j));
  });
  let j = 0;
  while (j < index.fields.length && isPoint(j) && !wanted.some(([f]) => f === index.fields[j])) j += 1;
  let direction = 0;
  for (const [f, d] of wanted) {
    if (index.fields[j] !== f) return { providesSort: false, reverse: false };
    const rel = d * (index.dirs[j] as number);
    if (direction === 0) direction = rel;
    else if (direction !== rel) return { providesSort: false, reverse: false };
    j += 1;
  }
  return { providesSort: true, reverse: direction < 0 };
}

/** Yields documents from a plan's ranges, skipping keys outside the per-field bounds. */
export function* runPlan(plan: Plan): Generator<Doc> {
  const seen = plan.index.multikey || plan.ranges.length > 1 ? new Set<Doc>() : undefined;
  const ranges = plan.reverse ? [...plan.ranges].reverse() : plan.ranges;
  for (const r of ranges) {
    for (const e of plan.index.scan(r.start, r.end, plan.reverse)) {
      let ok = true;
      for (let j = 0; j < plan.bounds.length; j += 1) {
        const b = plan.bounds[j];
        if (b && !inIntervals(e.key[j], b)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (seen) {
        if (seen.has(e.doc)) continue;
        seen.add(e.doc);
      }
      yield e.doc;
    }
  }
}

export { FULL };
