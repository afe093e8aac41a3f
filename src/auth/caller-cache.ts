/**
 * A small time-bounded cache of authenticated callers, so a request does not pay three or four
 * database reads to learn who is calling (the key, its user, their project roles).
 *
 * Entries live CALLER_CACHE_TTL_MS. Within this process any change that affects a caller (a key
 * revoked, a project membership added or changed) clears the cache at once; in other processes of
 * the same deployment the change takes effect within the TTL. Only positive answers are kept:
 * an unknown or revoked key is looked up every time.
 */
export const CALLER_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number = CALLER_CACHE_TTL_MS,
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

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
