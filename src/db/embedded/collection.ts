/**
 * One collection's documents and indexes. Documents live in an insertion-ordered Map keyed by
 * the canonical _id; every write keeps all indexes consistent or changes nothing.
 */
import { ObjectId } from 'bson';
import { fail, MongoCommandError } from './errors';
import { Index, type IndexSpec } from './index';
import { compileFilter } from './matcher';
import { conjuncts, planIndex, type Plan, runPlan } from './planner';
import { compareBySort, sortDocs, type SortSpec } from './sort';
import { type Doc, isPlainObject, valueKey, compareValues, cloneValue } from './values';

export interface QueryOptions {
  sort?: SortSpec;
  skip?: number;
  limit?: number;
}

/** Work counters, so tests and benchmarks can prove indexed lookups do not scan. */
export interface ScanStats {
  /** Documents handed to the full matcher. */
  docsExamined: number;
  /** Queries answered by walking every document. */
  collectionScans: number;
}

export class Collection {
  readonly docs = new Map<string, Doc>();
  readonly stats: ScanStats = { docsExamined: 0, collectionScans: 0 };
  readonly indexes = new Map<string, Index>();

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Doc = {},
  ) {
    this.indexes.set('_id_', new Index({ v: 2, key: { _id: 1 }, name: '_id_' }));
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  private duplicateError(index: Index, key: unknown[]): MongoCommandError {
    const keyPattern: Doc = {};
    const keyValue: Doc = {};
    index.fields.forEach((f, i) => {
      keyPattern[f] = index.spec.key[f];
      keyValue[f] = key[i] ?? null;
    });
    const shown = index.fields.map((f, i) => `${f}: ${describe(key[i])}`).join(', ');
    return new MongoCommandError(
      11000,
      `E11000 duplicate key error collection: ${this.ns} index: ${index.spec.name} dup key: { ${shown} }`,
      { keyPattern, keyValue },
    );
  }

  /** Index keys for each index covering `doc`, after checking unique constraints. */
  private prepare(doc: Doc, self?: Doc): Map<Index, unknown[][]> {
    const keys = new Map<Index, unknown[][]>();
    for (const index of this.indexes.values()) {
      if (!index.covers(doc)) continue;
      const k = index.keysFor(doc);
      if (index.spec.unique || index.spec.name === '_id_') {
        const dup = index.findDuplicate(k, self);
        if (dup) throw this.duplicateError(index, dup.key);
      }
      keys.set(index, k);
    }
    return keys;
  }

  insert(input: Doc): Doc {
    // mongod always stores _id as the first field.
    const doc = { _id: input._id === undefined ? new ObjectId() : input._id, ...input };
    validateDocument(doc);
    const keys = this.prepare(doc);
    for (const [index, k] of keys) index.add(doc, k);
    this.docs.set(valueKey(doc._id), doc);
    return doc;
  }

  /** Replaces `old` with `next` (same _id) atomically across indexes. */
  replace(old: Doc, next: Doc): void {
    validateDocument(next);
    const keys = this.prepare(next, old);
    for (const index of this.indexes.values()) if (index.covers(old)) index.remove(old);
    for (const [index, k] of keys) index.add(next, k);
    this.docs.set(valueKey(next._id), next);
  }

  remove(doc: Doc): void {
    for (const index of this.indexes.values()) if (index.covers(doc)) index.remove(doc);
    this.docs.delete(valueKey(doc._id));
  }

  createIndex(spec: IndexSpec): boolean {
    const existing = [...this.indexes.values()].find(
      (i) => compareValues(i.spec.key, spec.key) === 0 && samePartial(i.spec, spec),
    );
    if (existing) {
      if (existing.spec.name !== spec.name)
        fail(
          85,
          `An equivalent index already exists with a different name and options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(existing.spec)}`,
        );
      if (
        !!existing.spec.unique !== !!spec.unique ||
        !!existing.spec.sparse !== !!spec.sparse ||
        existing.spec.expireAfterSeconds !== spec.expireAfterSeconds
      ) {
        fail(
          86,
          `An existing index has the same name as the requested index but different options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(existing.spec)}`,
        );
      }
      return false;
    }
    if (this.indexes.has(spec.name))
      fail(86, `An existing index has the same name as the requested index but different key: ${spec.name}`);
    const index = new Index(spec);
    for (const doc of this.docs.values()) {
      if (!index.covers(doc)) continue;
      const k = index.keysFor(doc);
      if (spec.unique) {
        const dup = index.findDuplicate(k, doc);
        if (dup) throw this.duplicateError(index, dup.key);
      }
      index.add(doc, k);
    }
    this.indexes.set(spec.name, index);
    return true;
  }

  findById(id: unknown): Doc | undefined {
    return this.docs.get(valueKey(id));
  }

  /** Chooses the best index plan for the filter, or undefined for a collection scan. */
  plan(filter: Doc, sort?: SortSpec): Plan | undefined {
    let best: Plan | undefined;
    const parts = conjuncts(filter);
    for (const index of this.indexes.values()) {
      const p = planIndex(index, parts, sort);
      if (!p) continue;
      const useful = p.score > 0 || (sort && p.providesSort);
      if (!useful) continue;
      const rank = p.score * 2 + (p.providesSort && sort ? 1 : 0);
      const bestRank = best ? best.score * 2 + (best.providesSort && sort ? 1 : 0) : -1;
      if (rank > bestRank) best = p;
    }
    return best;
  }

  /** Candidate documents (a superset of matches) and whether they come in sort order. */
  candidates(filter: Doc, sort?: SortSpec): { docs: Iterable<Doc>; sorted: boolean } {
    const id = filter._id;
    if (id !== undefined && (!isPlainObject(id) || !Object.keys(id).some((k) => k.startsWith('$')))) {
      const doc = this.findById(id);
      return { docs: doc ? [doc] : [], sorted: true };
    }
    if (isPlainObject(id) && Object.keys(id).length === 1 && Array.isArray(id.$in) && !sort) {
      const out: Doc[] = [];
      const seen = new Set<Doc>();
      for (const v of id.$in) {
        const d = this.findById(v);
        if (d && !seen.has(d)) {
          seen.add(d);
          out.push(d);
        }
      }
      return { docs: out, sorted: false };
    }
    // Each $or branch plan includes the other conjuncts, so it is never worse than the main plan.
    const or = Array.isArray(filter.$or) ? this.planOr(filter, sort) : undefined;
    if (or) return or;
    const main = this.plan(filter, sort);
    if (main) return { docs: runPlan(main), sorted: main.providesSort };
    this.stats.collectionScans += 1;
    return { docs: this.docs.values(), sorted: !sort };
  }

  /** $or: one index plan per branch (merged with the other conjuncts), merged lazily in sort order. */
  private planOr(filter: Doc, sort?: SortSpec): { docs: Iterable<Doc>; sorted: boolean } | undefined {
    const rest: Doc = { ...filter };
    delete rest.$or;
    const plans: Plan[] = [];
    for (const branch of filter.$or as unknown[]) {
      if (!isPlainObject(branch)) return undefined;
      const p = this.plan({ $and: [rest, branch] }, sort);
      if (!p || p.score === 0) return undefined;
      plans.push(p);
    }
    const sortedAll = !!sort && plans.every((p) => p.providesSort);
    if (!sortedAll) return { docs: unionDocs(plans), sorted: !sort };
    return { docs: mergeSorted(plans, sort as SortSpec), sorted: true };
  }

  find(filter: Doc, options: QueryOptions = {}): Doc[] {
    const pred = compileFilter(filter);
    const { docs, sorted } = this.candidates(filter, options.sort);
    const skip = options.skip ?? 0;
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const out: Doc[] = [];
    if (sorted || !options.sort) {
      let skipped = 0;
      for (const d of docs) {
        this.stats.docsExamined += 1;
        if (!pred(d)) continue;
        if (skipped < skip) {
          skipped += 1;
          continue;
        }
        out.push(d);
        if (out.length >= limit) break;
      }
      return out;
    }
    for (const d of docs) {
      this.stats.docsExamined += 1;
      if (pred(d)) out.push(d);
    }
    return sortDocs(out, options.sort).slice(skip, skip + limit);
  }
}

function* unionDocs(plans: Plan[]): Generator<Doc> {
  const seen = new Set<Doc>();
  for (const p of plans) {
    for (const d of runPlan(p)) {
      if (seen.has(d)) continue;
      seen.add(d);
      yield d;
    }
  }
}

function* mergeSorted(plans: Plan[], sort: SortSpec): Generator<Doc> {
  const cmp = compareBySort(sort);
  const iters = plans.map((p) => runPlan(p));
  const heads = iters.map((it) => it.next());
  const seen = new Set<Doc>();
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i += 1) {
      const h = heads[i] as IteratorResult<Doc>;
      if (h.done) continue;
      if (best < 0 || cmp(h.value, (heads[best] as IteratorResult<Doc>).value as Doc) < 0) best = i;
    }
    if (best < 0) return;
    const doc = (heads[best] as IteratorResult<Doc>).value as Doc;
    heads[best] = (iters[best] as Generator<Doc>).next();
    if (seen.has(doc)) continue;
    seen.add(doc);
    yield doc;
  }
}

function samePartial(a: IndexSpec, b: IndexSpec): boolean {
  return compareValues(a.partialFilterExpression ?? null, b.partialFilterExpression ?? null) === 0;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (v instanceof ObjectId) return `ObjectId('${v.toHexString()}')`;
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  return String(v);
}

/** Field names MongoDB rejects in stored documents. */
export function validateDocument(doc: Doc): void {
  if (Array.isArray(doc._id)) fail(2, `The '_id' value cannot be of type array`);
  if (doc._id instanceof RegExp) fail(2, `The '_id' value cannot be of type regex`);
  for (const k of Object.keys(doc)) {
    if (k.startsWith('$')) fail(52, `Document can't have $ prefixed field names: ${k}`);
  }
}

export { cloneValue };
