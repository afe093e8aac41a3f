/**
 * Prompt caching: requests that repeat the same long prefix (system prompt, tool definitions,
 * documents) but are rarely served from the provider's cache pay the full input rate for the same
 * tokens again and again. The saving is the repeated prefix tokens not yet read from cache, priced
 * at the difference between the input and cached-input rates, less one cache write per request
 * group (the write surcharge, where the provider charges one).
 */
import { costOfTokens, formatUsd, type NanoUsd } from '../../shared/money';
import {
  confidenceFrom,
  percent,
  perMonth,
  recommendation,
  type ModelRates,
  type Recommendation,
} from './recommendation';

export interface PrefixGroup {
  provider: string;
  model: string;
  /** Fingerprint of the shared prefix (e.g. a hash of the system prompt and tool list). */
  prefixHash: string;
  /** Tokens in the shared prefix. */
  prefixTokens: number;
  requests: number;
  /** Prompt tokens these requests actually read from cache. */
  cacheReadTokens: number;
  rates: ModelRates;
  examples: string[];
}

export interface CachingOptions {
  /** Providers do not cache prefixes shorter than about 1,024 tokens. */
  minPrefixTokens?: number;
  minRequests?: number;
  /** Groups whose prefix is read from cache at least this often are fine already. */
  goodHitRatio?: number;
}

export function cachingRecommendations(
  groups: PrefixGroup[],
  windowMs: number,
  options: CachingOptions = {},
): Recommendation[] {
  const { minPrefixTokens = 1024, minRequests = 10, goodHitRatio = 0.5 } = options;
  const out: Recommendation[] = [];
  for (const g of groups) {
    if (g.prefixTokens < minPrefixTokens || g.requests < minRequests) continue;
    const cached = g.rates.cachedInput;
    if (cached === undefined || cached >= g.rates.input) continue;
    // The first request of a group must write the prefix; every later one could read it.
    const cacheable = g.prefixTokens * (g.requests - 1);
    const hitRatio = cacheable === 0 ? 1 : Math.min(1, g.cacheReadTokens / cacheable);
    if (hitRatio >= goodHitRatio) continue;
    const missed = Math.max(0, cacheable - g.cacheReadTokens);
    const gross = costOfTokens(missed, g.rates.input - cached);
    const writeSurcharge =
      g.rates.cacheWrite !== undefined && g.rates.cacheWrite > g.rates.input
        ? costOfTokens(g.prefixTokens, g.rates.cacheWrite - g.rates.input)
        : 0n;
    const saving: NanoUsd = gross - writeSurcharge;
    if (saving <= 0n) continue;
    out.push(
      recommendation({
        kind: 'PROMPT_CACHING',
        key: `PROMPT_CACHING:${g.provider}/${g.model}:${g.prefixHash}`,
        title: `Cache the ${g.prefixTokens}-token prompt prefix repeated across ${g.requests} requests`,
        detail:
          `${g.requests} requests to ${g.provider}/${g.model} start with the same ${g.prefixTokens}-token prefix, but only ` +
          `${percent(Math.min(g.cacheReadTokens, cacheable), cacheable)} of it was read from cache. Mark the prefix cacheable ` +
          `(or keep it byte-identical so automatic caching applies).`,
        estimatedMonthlySavingNano: perMonth(saving, windowMs),
        confidence: confidenceFrom(g.requests, 50, 0.9),
        evidence: {
          recordCount: g.requests,
          examples: g.examples.slice(0, 5),
          figures: {
            prefixTokens: String(g.prefixTokens),
            cacheHitRatio: percent(Math.min(g.cacheReadTokens, cacheable), cacheable),
            uncachedRepeatedTokens: String(missed),
            savingInWindow: formatUsd(saving),
          },
        },
      }),
    );
  }
  return out;
}
