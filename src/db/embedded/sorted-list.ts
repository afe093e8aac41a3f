/**
 * An ordered multiset kept as a list of small sorted buckets: O(log n) search and
 * O(sqrt n)-bounded inserts/removes without a full tree. Backs every secondary index.
 */
const LOAD = 512;

export interface Position {
  bucket: number;
  index: number;
}

export class SortedList<T> {
  private buckets: T[][] = [];
  private count = 0;

  constructor(private readonly cmp: (a: T, b: T) => number) {}

  get size(): number {
    return this.count;
  }

  private findBucket(probe: (item: T) => number): number {
    // First bucket whose last item is >= probe (probe(item) returns item vs target).
    let lo = 0;
    let hi = this.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const bucket = this.buckets[mid] as T[];
      if (probe(bucket[bucket.length - 1] as T) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(item: T): void {
    this.count += 1;
    if (this.buckets.length === 0) {
      this.buckets.push([item]);
      return;
    }
    let b = this.findBucket((x) => this.cmp(x, item));
    if (b === this.buckets.length) b -= 1;
    const bucket = this.buckets[b] as T[];
    let lo = 0;
    let hi = bucket.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cmp(bucket[mid] as T, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    bucket.splice(lo, 0, item);
    if (bucket.length > LOAD * 2) this.buckets.splice(b, 1, bucket.slice(0, LOAD), bucket.slice(LOAD));
  }

  /** Removes the item that `cmp` finds equal and `same` identifies. */
  remove(item: T, same: (a: T) => boolean): boolean {
    let pos: Position | undefined = this.lowerBound((x) => this.cmp(x, item));
    while (pos) {
      const bucket = this.buckets[pos.bucket] as T[];
      const cur = bucket[pos.index] as T;
      if (this.cmp(cur, item) !== 0) return false;
      if (same(cur)) {
        bucket.splice(pos.index, 1);
        this.count -= 1;
        if (bucket.length === 0) this.buckets.splice(pos.bucket, 1);
        return true;
      }
      pos = this.next(pos);
    }
    return false;
  }

  /** First position whose item is >= target according to `probe` (item vs target). */
  lowerBound(probe: (item: T) => number): Position | undefined {
    const b = this.findBucket(probe);
    if (b === this.buckets.length) return undefined;
    const bucket = this.buckets[b] as T[];
    let lo = 0;
    let hi = bucket.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (probe(bucket[mid] as T) < 0) lo = mid + 1;
      else hi = mid;
    }
    return { bucket: b, index: lo };
  }

  /** Last position whose item is <= target according to `probe`. */
  upperBoundLast(probe: (item: T) => number): Position | undefined {
    // First bucket whose last item is > target.
    let lo = 0;
    let hi = this.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const bucket = this.buckets[mid] as T[];
      if (probe(bucket[bucket.length - 1] as T) <= 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.buckets.length) return this.last();
    const bucket = this.buckets[lo] as T[];
    let l = 0;
    let h = bucket.length;
    while (l < h) {
      const mid = (l + h) >> 1;
      if (probe(bucket[mid] as T) <= 0) l = mid + 1;
      else h = mid;
    }
    if (l > 0) return { bucket: lo, index: l - 1 };
    if (lo === 0) return undefined;
    return { bucket: lo - 1, index: (this.buckets[lo - 1] as T[]).length - 1 };
  }

  first(): Position | undefined {
    return this.buckets.length ? { bucket: 0, index: 0 } : undefined;
  }

  last(): Position | undefined {
    const n = this.buckets.length;
    return n ? { bucket: n - 1, index: (this.buckets[n - 1] as T[]).length - 1 } : undefined;
  }

  at(pos: Position): T {
    return (this.buckets[pos.bucket] as T[])[pos.index] as T;
  }

  next(pos: Position): Position | undefined {
    const bucket = this.buckets[pos.bucket] as T[];
    if (pos.index + 1 < bucket.length) return { bucket: pos.bucket, index: pos.index + 1 };
    if (pos.bucket + 1 < this.buckets.length) return { bucket: pos.bucket + 1, index: 0 };
    return undefined;
  }

  prev(pos: Position): Position | undefined {
    if (pos.index > 0) return { bucket: pos.bucket, index: pos.index - 1 };
    if (pos.bucket > 0)
      return { bucket: pos.bucket - 1, index: (this.buckets[pos.bucket - 1] as T[]).length - 1 };
    return undefined;
  }

  clear(): void {
    this.buckets = [];
    this.count = 0;
  }
}
