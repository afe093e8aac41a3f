/**
 * One index of a collection: its key extraction (including multikey arrays), uniqueness,
 * sparse and partial rules, and ordered range scans over a SortedList of keys.
 */
import { fail, unsupported } from './errors';
import { compileFilter, type Predicate } from './matcher';
import { getPath } from './paths';
import { SortedList } from './sorted-list';
import {
  compareValues,
  type Doc,
  exactNumber,
  isNumber,
  isPlainObject,
  TypeBound,
  valuesEqual,
} from './values';

export interface IndexSpec {
  v?: number;
  key: Doc;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Doc;
  expireAfterSeconds?: number;
}

export interface Entry {
  key: unknown[];
  doc: Doc;
}

/** A closed/open interval of values in value order; sentinels are TypeBounds. */
export interface Interval {
  lo: unknown;
  hi: unknown;
  loInc: boolean;
  hiInc: boolean;
}

export const MIN_ALL = new TypeBound(0, false);
export const MAX_ALL = new TypeBound(99, true);

export class Index {
  readonly fields: string[];
  readonly dirs: number[];
  readonly entries: SortedList<Entry>;
  readonly partial?: Predicate;
  multikey = false;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    this.dirs = this.fields.map((f) => {
      const d = spec.key[f];
      if (!isNumber(d)) unsupported(`The index type ${JSON.stringify(String(d))} (field ${f})`);
      const n = exactNumber(d) ?? 0;
      if (n === 0) fail(67, `Values in the index key pattern can't be all zero: ${f}`);
      return n > 0 ? 1 : -1;
    });
    this.partial = spec.partialFilterExpression ? compileFilter(spec.partialFilterExpression) : undefined;
    this.entries = new SortedList<Entry>((a, b) => this.compareEntries(a, b));
  }

  compareKeys(a: unknown[], b: unknown[]): number {
    for (let i = 0; i < a.length; i += 1) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return c * (this.dirs[i] as number);
    }
    return 0;
  }

  private compareEntries(a: Entry, b: Entry): number {
    const c = this.compareKeys(a.key, b.key);
    return c !== 0 ? c : compareValues(a.doc._id, b.doc._id);
  }

  /** Whether the document belongs in this index at all (partial and sparse rules). */
  covers(doc: Doc): boolean {
    if (this.partial && !this.partial(doc)) return false;
    if (this.spec.sparse && this.fields.every((f) => getPath(doc, f) === undefined)) return false;
    return true;
  }

  /** Every key tuple the document produces; one per array element for a multikey field. */
  keysFor(doc: Doc): unknown[][] {
    let arrayField: number | undefined;
    const values = this.fields.map((f, i) => {
      const v = indexValue(doc, f);
      if (Array.isArray(v)) {
        if (arrayField !== undefined)
          fail(171, `cannot index parallel arrays [${f}] [${this.fields[arrayField]}]`);
        arrayField = i;
      }
      return v;
    });
    if (arrayField === undefined) return [values];
    const arr = values[arrayField] as unknown[];
    const elements = arr.length === 0 ? [undefined] : uniqueValues(arr);
    return elements.map((el) => values.map((v, i) => (i === arrayField ? el : v)));
  }

  add(doc: Doc, keys = this.keysFor(doc)): void {
    if (!this.multikey && this.fields.some((f) => Array.isArray(indexValue(doc, f)))) this.multikey = true;
    for (const key of keys) this.entries.insert({ key, doc });
  }

  remove(doc: Doc, keys = this.keysFor(doc)): void {
    for (const key of keys) this.entries.remove({ key, doc }, (e) => e.doc === doc);
  }

  /** A document other than `self` holding one of `keys`, if this unique index has one. */
  findDuplicate(keys: unknown[][], self?: Doc): { key: unknown[]; doc: Doc } | undefined {
    for (const key of keys) {
      let pos = this.entries.lowerBound((e) => this.compareKeys(e.key, key));
      while (pos) {
        const e = this.entries.at(pos);
        if (this.compareKeys(e.key, key) !== 0) break;
        if (e.doc !== self && keyEqual(e.key, key)) return { key, doc: e.doc };
        pos = this.entries.next(pos);
      }
    }
    return undefined;
  }

  /** Yields entries with start <= key <= end in index order (or reverse), deduplicated by caller. */
  *scan(start: unknown[], end: unknown[], reverse: boolean): Generator<Entry> {
    if (!reverse) {
      let pos = this.entries.lowerBound((e) => this.compareKeys(e.key, start));
      while (pos) {
        const e = this.entries.at(pos);
        if (this.compareKeys(e.key, end) > 0) return;
        yield e;
        pos = this.entries.next(pos);
      }
    } else {
      let pos = this.entries.upperBoundLast((e) => this.compareKeys(e.key, end));
      while (pos) {
        const e = this.entries.at(pos);
        if (this.compareKeys(e.key, start) < 0) return;
        yield e;
        pos = this.entries.prev(pos);
      }
    }
  }
}

function keyEqual(a: unknown[], b: unknown[]): boolean {
  return a.every((v, i) => valuesEqual(v ?? null, b[i] ?? null));
}

function uniqueValues(arr: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of arr) if (!out.some((x) => valuesEqual(x, v))) out.push(v);
  return out;
}

/** The value an index stores for a field: missing becomes null; arrays of documents fan out. */
function indexValue(doc: Doc, path: string): unknown {
  const parts = path.split('.');
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] as string;
    if (Array.isArray(cur)) {
      const rest = parts.slice(i).join('.');
      const vals = cur.flatMap((el) => {
        const v = isPlainObject(el) ? indexValue(el, rest) : null;
        return Array.isArray(v) ? v : [v];
      });
      return vals;
    }
    if (!isPlainObject(cur)) return null;
    cur = cur[part];
    if (cur === undefined) return null;
  }
  return cur;
}

/** Whether `v` lies in one of `intervals` (value order). */
export function inIntervals(v: unknown, intervals: Interval[]): boolean {
  const value = v === undefined ? null : v;
  for (const iv of intervals) {
    const lo = compareValues(value, iv.lo);
    if (lo < 0 || (lo === 0 && !iv.loInc)) continue;
    const hi = compareValues(value, iv.hi);
    if (hi > 0 || (hi === 0 && !iv.hiInc)) continue;
    return true;
  }
  return false;
}
