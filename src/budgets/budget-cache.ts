/**
 * The enforcement path's copy of each organisation's enabled budgets, so a budgeted request
 * does not pay a database round trip to find its budgets. A change made through this process's
 * BudgetStore invalidates the organisation at once; changes made by another process are picked
 * up within `ttlMs`. Counters, not this copy, hold the figures that enforce a limit (headroom and
 * limit changes are applied to them directly), so a stale copy can only delay a new, deleted or
 * re-enabled budget by at most `ttlMs` in other processes. A failed load is not cached: the
 * request is refused as BUDGET_CHECK_UNAVAILABLE rather than checked against nothing.
 */
import { loadThrough, TtlCache } from '../shared/ttl-cache';
import type { BudgetRecord } from './budget-record';

export const DEFAULT_BUDGET_CACHE_TTL_MS = 5_000;

export class BudgetCache {
  private readonly entries: TtlCache<Promise<BudgetRecord[]>>;

  constructor(
    private readonly load: (organizationId: string) => Promise<BudgetRecord[]>,
    ttlMs = DEFAULT_BUDGET_CACHE_TTL_MS,
    maxOrganizations = 10_000,
    now: () => number = () => performance.now(),
  ) {
    this.entries = new TtlCache(ttlMs, now, maxOrganizations);
  }

  /** The organisation's enabled budgets; concurrent misses share one load. */
  get(organizationId: string): Promise<BudgetRecord[]> {
    return loadThrough(this.entries, organizationId, () => this.load(organizationId));
  }

  /** A budget of this organisation was created, changed or deleted (call after the write). */
  invalidate(organizationId: string): void {
    this.entries.delete(organizationId);
  }
}
