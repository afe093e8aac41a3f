/**
 * The shape of a price: per-million-token rates for each usage component, optional long-context
 * tiers, and where the price came from. Rates are exact nano-USD per million tokens.
 */
import type { NanoUsd } from '../shared/money';

export interface PriceRates {
  input: NanoUsd;
  /** Cache reads. Absent means the provider gives no discount: billed at `input`. */
  cachedInput?: NanoUsd;
  /** Cache writes with the default (5 minute) TTL. Absent means billed at `input`. */
  cacheWrite5m?: NanoUsd;
  /** Cache writes with a 1 hour TTL. Absent means billed at `cacheWrite5m`. */
  cacheWrite1h?: NanoUsd;
  output: NanoUsd;
  /** Reasoning/thinking tokens. Absent means billed at `output` (every major API does this). */
  reasoning?: NanoUsd;
}

/**
 * A long-context tier: when one model call's prompt (uncached + cache reads + cache writes) is
 * larger than `abovePromptTokens`, every component of that call uses `rates` instead.
 */
export interface PriceTier {
  abovePromptTokens: number;
  rates: PriceRates;
}

export type PriceOrigin = 'catalog' | 'override';

export interface ModelPrice {
  provider: string;
  /** The canonical model name this price is for. */
  model: string;
  rates: PriceRates;
  tiers: PriceTier[];
  effectiveFrom: Date;
  origin: PriceOrigin;
  /** Stable identifier of this exact price row, recorded on every cost computed with it. */
  version: string;
  /** Where the price comes from: the provider's pricing page, or who set the override. */
  source: string;
}
