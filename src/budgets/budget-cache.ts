/**
 * The enforcement path's copy of each organisation's enabled budgets, so a budgeted request
 * does not pay a database round trip to find its budgets. A change made through this process's
 * BudgetStore invalidates the organisation at once; changes made by another process are picked
 * up within `ttlMs`. Counters, not this copy, hold the figures that enforce a limit (headroom and
 * limit changes are applied to them directly), so a stale copy can only delay a new, deleted or
 * re-enabled budget by at most `ttlMs` in other processes. A failed load is not cached: the
 * request is refused as BUDGET_CHECK_UNAVAILABLE rather than checked against nothing.
 */
import type { BudgetRecord } from './budget-record';

export const DEFAULT_BUDGET_CACHE_TTL_MS = 5_000;

interface Entry {
  loaded: Promise<BudgetRecord[]>;
  expiresAt: number;
}

export class BudgetCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly load: (organizationId: string) => Promise<BudgetRecord[]>,
    private readonly ttlMs = DEFAULT_BUDGET_CACHE_TTL_MS,
    private readonly maxOrganizations = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The organisation's enabled budgets; concurrent misses share one load. */
  get(organizationId: string): Promise<BudgetRecord[]> {
    const at = this.now();
    const entry = this.entries.get(organizationId);
    if (entry && entry.expiresAt > at) return entry.loaded;
    if (this.entries.size >= this.maxOrganizations) this.entries.clear();
    const loaded = this.load(organizationId);
    const fresh: Entry = { loaded, expiresAt: at + this.ttlMs };
    this.entries.set(organizationId, fresh);
    loaded.catch(() => {
      if (this.entries.get(organizationId) === fresh) this.entries.delete(organizationId);
    });
    return loaded;
  }

  /** A budget of this organisation was created, changed or deleted (call after the write). */
  invalidate(organizationId: string): void {
    this.entries.delete(organizationId);
  }
}
