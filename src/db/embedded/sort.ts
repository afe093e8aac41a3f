/**
 * MongoDB sort order for documents: arrays sort by their smallest (ascending) or largest
 * (descending) element, an empty array sorts before null, and missing equals null.
 */
import { fail } from './errors';
import { collectPath } from './paths';
import { compareValues, type Doc, exactNumber, isPlainObject, TypeBound } from './values';

export type SortSpec = [string, number][];

const EMPTY_ARRAY = new TypeBound(2, false);

export function parseSort(sort: unknown): SortSpec | undefined {
  if (sort === undefined || sort === null) return undefined;
  if (!isPlainObject(sort)) fail(2, 'sort must be an object');
  const spec: SortSpec = [];
  for (const [k, v] of Object.entries(sort)) {
    const n = exactNumber(v);
    if (n === 1 || n === -1) spec.push([k, n]);
    else if (v === 'asc' || v === 'ascending') spec.push([k, 1]);
    else if (v === 'desc' || v === 'descending') spec.push([k, -1]);
    else if (isPlainObject(v) && '$meta' in v)
      fail(
        115,
        `Sorting by $meta is not supported by the embedded MongoDB-compatible server; set MONGODB_URI to use a real MongoDB`,
      );
    else fail(15974, `Illegal key in $sort specification: ${k}: ${String(v)}`);
  }
  return spec.length ? spec : undefined;
}

function sortKey(doc: Doc, path: string, dir: number): unknown {
  const pv = collectPath(doc, path.split('.'));
  const candidates: unknown[] = [];
  for (const v of pv.values) {
    if (Array.isArray(v)) {
      if (v.length === 0) candidates.push(EMPTY_ARRAY);
      else candidates.push(...v);
    } else candidates.push(v);
  }
  if (pv.missing || candidates.length === 0) candidates.push(null);
  let best = candidates[0];
  for (let i = 1; i < candidates.length; i += 1) {
    const c = compareValues(candidates[i], best);
    if ((dir > 0 && c < 0) || (dir < 0 && c > 0)) best = candidates[i];
  }
  return best;
}

export function compareBySort(spec: SortSpec): (a: Doc, b: Doc) => number {
  return (a, b) => {
    for (const [path, dir] of spec) {
      const c = compareValues(sortKey(a, path, dir), sortKey(b, path, dir));
      if (c !== 0) return c * dir;
    }
    return 0;
  };
}

export function sortDocs(docs: Doc[], spec: SortSpec | undefined): Doc[] {
  if (!spec) return docs;
  // Precompute keys once per document: sorting 100k documents must not re-walk paths n log n times.
  const keyed = docs.map((doc) => ({ doc, keys: spec.map(([p, d]) => sortKey(doc, p, d)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < spec.length; i += 1) {
      const c = compareValues(a.keys[i], b.keys[i]);
      if (c !== 0) return c * spec[i]![1];
    }
    return 0;
  });
  return keyed.map((k) => k.doc);
}
