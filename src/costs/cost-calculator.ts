/**
 * The cost engine: turns normalised usage and a dated price into an exact cost breakdown.
 * Each usage component is priced on its own (one half-up rounding to nano-USD per component, see
 * `shared/money.ts`); the long-context tier is chosen per model call from that call's prompt size;
 * a request's total is the sum of its model calls (tool loops make several). A call without a
 * price is `unpriced`: its cost is unknown, never zero.
 */
import type { ModelPrice, PriceRates } from '../pricing/model-price';
import {
  emptyUsage,
  addUsage,
  promptTokens,
  USAGE_KINDS,
  type NormalisedUsage,
  type UsageKind,
} from '../providers/usage/normalised-usage';
import { costOfTokens, type NanoUsd } from '../shared/money';

export type CostComponents = Record<UsageKind, NanoUsd>;

export interface CostBreakdown extends CostComponents {
  total: NanoUsd;
}

export type PricedCall =
  | {
      status: 'priced';
      usage: NormalisedUsage;
      cost: CostBreakdown;
      priceVersion: string;
      /** The long-context tier applied (its `abovePromptTokens`), or null for base rates. */
      tier: number | null;
    }
  | { status: 'unpriced'; usage: NormalisedUsage; reason: string };

export interface PricedRequest {
  /** `unpriced` as soon as any model call of the request has no price. */
  status: 'priced' | 'unpriced';
  calls: PricedCall[];
  usage: NormalisedUsage;
  /** Sum of the priced calls. When `status` is `unpriced` this understates the true cost. */
  cost: CostBreakdown;
  /** Distinct price versions used, in call order. */
  priceVersions: string[];
}

export function zeroCost(): CostBreakdown {
  return {
    inputUncached: 0n,
    cacheRead: 0n,
    cacheWrite5m: 0n,
    cacheWrite1h: 0n,
    output: 0n,
    reasoning: 0n,
    total: 0n,
  };
}

/** The per-MTok rate for each usage component, with the documented fallbacks of `PriceRates`. */
export function effectiveRates(rates: PriceRates): CostComponents {
  const cacheWrite5m = rates.cacheWrite5m ?? rates.input;
  return {
    inputUncached: rates.input,
    cacheRead: rates.cachedInput ?? rates.input,
    cacheWrite5m,
    cacheWrite1h: rates.cacheWrite1h ?? cacheWrite5m,
    output: rates.output,
    reasoning: rates.reasoning ?? rates.output,
  };
}

function selectTier(price: ModelPrice, usage: NormalisedUsage): { rates: PriceRates; tier: number | null } {
  const prompt = promptTokens(usage);
  let selected: { rates: PriceRates; tier: number | null } = { rates: price.rates, tier: null };
  for (const tier of price.tiers) {
    if (prompt > tier.abovePromptTokens) selected = { rates: tier.rates, tier: tier.abovePromptTokens };
  }
  return selected;
}

export function costOfCall(usage: NormalisedUsage, price: ModelPrice): PricedCall {
  const { rates, tier } = selectTier(price, usage);
  const perMTok = effectiveRates(rates);
  const cost = zeroCost();
  for (const kind of USAGE_KINDS) {
    cost[kind] = costOfTokens(usage[kind], perMTok[kind]);
    cost.total += cost[kind];
  }
  return { status: 'priced', usage, cost, priceVersion: price.version, tier };
}

export function addCosts(a: CostBreakdown, b: CostBreakdown): CostBreakdown {
  const sum = zeroCost();
  for (const kind of USAGE_KINDS) sum[kind] = a[kind] + b[kind];
  sum.total = a.total + b.total;
  return sum;
}

/** Combines the model calls of one request into its total. */
export function combineCalls(calls: PricedCall[]): PricedRequest {
  let usage = emptyUsage();
  let cost = zeroCost();
  const priceVersions: string[] = [];
  let status: PricedRequest['status'] = 'priced';
  for (const call of calls) {
    usage = addUsage(usage, call.usage);
    if (call.status === 'unpriced') {
      status = 'unpriced';
      continue;
    }
    cost = addCosts(cost, call.cost);
    if (!priceVersions.includes(call.priceVersion)) priceVersions.push(call.priceVersion);
  }
  return { status, calls, usage, cost, priceVersions };
}
