/**
 * A small time-bounded cache for the request path's copies of slowly changing data (callers,
 * budgets, organisation prices), each reused for a few seconds so a request does not pay a
 * database round trip for it. Entries expire after `ttlMs`; when full, the oldest entry goes.
 * `load` caches a pending promise, so concurrent misses share one read, and drops it if it
 * rejects: a failure is never served from the cache.
 */
const MAX_ENTRIES = 10_000;

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxEntries: number = MAX_ENTRIES,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    // Maps iterate in insertion order: the first key is the oldest entry.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The cached promise for `key`, or a fresh `loader()` (cached until it settles as a rejection). */
export function loadThrough<T>(
  cache: TtlCache<Promise<T>>,
  key: string,
  loader: () => Promise<T>,
): Promise<T> {
  const hit = cache.get(key);
  if (hit) return hit;
  return reload(cache, key, loader);
}

/** Always calls `loader()`, and caches its promise as above. */
export function reload<T>(cache: TtlCache<Promise<T>>, key: string, loader: () => Promise<T>): Promise<T> {
  const loaded = loader();
  cache.set(key, loaded);
  loaded.catch(() => {
    if (cache.get(key) === loaded) cache.delete(key);
  });
  return loaded;
}
