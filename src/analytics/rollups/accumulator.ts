/**
 * Folds facts into rollups in memory, at most once per fact id. Used by the rebuild (one pass over
 * all records), by the batch updater (one batch of events at a time) and by the tests that prove
 * both give the same rollups.
 */
import { addMetrics, emptyMetrics } from './metrics';
import { factDeltas, type RollupDelta, type UsageFact } from './facts';

export class RollupAccumulator {
  private readonly rollups = new Map<string, RollupDelta>();
  private readonly seen = new Set<string>();

  /** Adds the fact unless one with the same id was already added; returns whether it was added. */
  add(fact: UsageFact): boolean {
    if (this.seen.has(fact.id)) return false;
    this.seen.add(fact.id);
    for (const delta of factDeltas(fact)) {
      const existing = this.rollups.get(delta.id);
      if (existing) addMetrics(existing.metrics, delta.metrics);
      else this.rollups.set(delta.id, { ...delta, metrics: addMetrics(emptyMetrics(), delta.metrics) });
    }
    return true;
  }

  get size(): number {
    return this.rollups.size;
  }

  values(): IterableIterator<RollupDelta> {
    return this.rollups.values();
  }

  get(id: string): RollupDelta | undefined {
    return this.rollups.get(id);
  }
}
