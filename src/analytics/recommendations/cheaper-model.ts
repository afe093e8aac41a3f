/**
 * Cheaper model: a workload with short outputs and no tool use rarely needs the top tier. We price
 * the very same token counts at a comparable model's rates and recommend it when that is cheaper.
 * Comparable models come from the pricing catalog (`alternatives` on the workload: the same
 * provider's cheaper peers, most similar first, and the first one cheaper for these tokens wins);
 * without them, from `catalog` tiers (the next tier down, the cheapest). The confidence is capped at
 * 0.8: cost is certain, answer quality is not, and the user should try it on a sample first.
 */
import { costOfTokens, formatUsd, type NanoUsd } from '../../shared/money';
import type { TokenCounts } from '../rollups/metrics';
import {
  confidenceFrom,
  percent,
  perMonth,
  recommendation,
  type ModelRates,
  type Recommendation,
} from './recommendation';

export interface PricedModel {
  provider: string;
  model: string;
  rates: ModelRates;
}

export interface ModelOption extends PricedModel {
  /** 1 = smallest/cheapest class; higher = more capable. Comparable means one tier apart at most. */
  tier: number;
}

export interface ModelWorkload {
  provider: string;
  model: string;
  requests: number;
  requestsWithTools: number;
  tokens: TokenCounts;
  costNano: NanoUsd;
  examples: string[];
  /** Comparable cheaper models from the pricing catalog, most similar first. */
  alternatives?: PricedModel[];
}

export interface CheaperModelOptions {
  minRequests?: number;
  /** Mean completion tokens (output + reasoning) at or under which outputs count as short. */
  shortOutputTokens?: number;
  maxToolShare?: number;
}

/** What the same tokens would cost at `rates`, with each kind at its own rate. */
export function priceTokens(tokens: TokenCounts, rates: ModelRates): NanoUsd {
  return (
    costOfTokens(tokens.inputUncached, rates.input) +
    costOfTokens(tokens.cacheRead, rates.cachedInput ?? rates.input) +
    costOfTokens(tokens.cacheWrite5m + tokens.cacheWrite1h, rates.cacheWrite ?? rates.input) +
    costOfTokens(tokens.output, rates.output) +
    costOfTokens(tokens.reasoning, rates.reasoning ?? rates.output)
  );
}

export function cheaperModelRecommendations(
  workloads: ModelWorkload[],
  catalog: ModelOption[],
  windowMs: number,
  options: CheaperModelOptions = {},
): Recommendation[] {
  const { minRequests = 20, shortOutputTokens = 400, maxToolShare = 0.02 } = options;
  const out: Recommendation[] = [];
  for (const w of workloads) {
    if (w.requests < minRequests || w.requestsWithTools / w.requests > maxToolShare) continue;
    const meanOutput = (w.tokens.output + w.tokens.reasoning) / w.requests;
    if (meanOutput > shortOutputTokens) continue;
    let candidates: { option: PricedModel; cost: NanoUsd }[];
    if (w.alternatives) {
      // Most similar first: the first one that is cheaper for these very tokens.
      candidates = w.alternatives
        .map((o) => ({ option: o, cost: priceTokens(w.tokens, o.rates) }))
        .filter((c) => c.cost < w.costNano);
    } else {
      const current = catalog.find((o) => o.provider === w.provider && o.model === w.model);
      if (!current) continue;
      candidates = catalog
        .filter((o) => o.provider === w.provider && o.tier === current.tier - 1)
        .map((o) => ({ option: o, cost: priceTokens(w.tokens, o.rates) }))
        .filter((c) => c.cost < w.costNano)
        .sort((a, b) => (a.cost < b.cost ? -1 : a.cost > b.cost ? 1 : 0));
    }
    const best = candidates[0];
    if (!best) continue;
    const saving = w.costNano - best.cost;
    out.push(
      recommendation({
        kind: 'CHEAPER_MODEL',
        key: `CHEAPER_MODEL:${w.provider}/${w.model}`,
        title: `Try ${best.option.model} instead of ${w.model} for short, tool-free requests`,
        detail:
          `${w.requests} requests to ${w.provider}/${w.model} averaged ${meanOutput.toFixed(0)} output tokens and ` +
          `${percent(w.requestsWithTools, w.requests)} used tools. The same tokens at ${best.option.model}'s prices ` +
          `would have cost ${formatUsd(best.cost)} instead of ${formatUsd(w.costNano)}. Check answer quality on a sample first.`,
        estimatedMonthlySavingNano: perMonth(saving, windowMs),
        confidence: confidenceFrom(w.requests, 200, 0.8),
        evidence: {
          recordCount: w.requests,
          examples: w.examples.slice(0, 5),
          figures: {
            currentModel: `${w.provider}/${w.model}`,
            suggestedModel: `${best.option.provider}/${best.option.model}`,
            meanOutputTokens: meanOutput.toFixed(1),
            observedCost: formatUsd(w.costNano),
            costAtSuggestedModel: formatUsd(best.cost),
          },
        },
      }),
    );
  }
  return out;
}
