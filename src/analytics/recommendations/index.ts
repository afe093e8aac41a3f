/**
 * The recommendations engine: `computeRecommendations(input)` runs every rule over aggregated
 * inputs and returns them largest monthly saving first (then highest confidence). Pure: the
 * scheduled job gathers the inputs, stores the result and applies dismissals by `key`.
 */
import { budgetLimitRecommendations, type BudgetUsage } from './budget-limits';
import { cheaperModelRecommendations, type ModelOption, type ModelWorkload } from './cheaper-model';
import { costOutlierRecommendations, type PeerCost } from './cost-outliers';
import { flakyProviderRecommendations, type ModelReliability } from './flaky-providers';
import { oversizedLimitRecommendations, type LimitUsage } from './oversized-limits';
import { cachingRecommendations, type PrefixGroup } from './prompt-caching';
import type { Recommendation } from './recommendation';

export * from './recommendation';
export type { BudgetUsage, ModelOption, ModelWorkload, PeerCost, ModelReliability, LimitUsage, PrefixGroup };
export { priceTokens } from './cheaper-model';

export interface RecommendationInput {
  /** Length of the observed window; savings are scaled from it to a 30-day month. */
  windowMs: number;
  catalog: ModelOption[];
  workloads?: ModelWorkload[];
  prefixGroups?: PrefixGroup[];
  limits?: LimitUsage[];
  peers?: PeerCost[];
  reliability?: ModelReliability[];
  budgets?: BudgetUsage[];
}

export function computeRecommendations(input: RecommendationInput): Recommendation[] {
  const all = [
    ...cheaperModelRecommendations(input.workloads ?? [], input.catalog, input.windowMs),
    ...cachingRecommendations(input.prefixGroups ?? [], input.windowMs),
    ...oversizedLimitRecommendations(input.limits ?? []),
    ...costOutlierRecommendations(input.peers ?? [], input.windowMs),
    ...flakyProviderRecommendations(input.reliability ?? [], input.catalog, input.windowMs),
    ...budgetLimitRecommendations(input.budgets ?? []),
  ];
  return all.sort((a, b) => {
    if (a.estimatedMonthlySavingNano !== b.estimatedMonthlySavingNano) {
      return a.estimatedMonthlySavingNano > b.estimatedMonthlySavingNano ? -1 : 1;
    }
    return b.confidence - a.confidence || a.key.localeCompare(b.key);
  });
}
