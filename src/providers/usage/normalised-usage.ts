/**
 * The one usage shape every provider's usage is converted into, and the arithmetic on it.
 * The six counts are disjoint: each token is counted in exactly one of them, so pricing each
 * component separately can never charge a token twice (the cached-tokens-counted-twice bug).
 * - inputUncached: prompt tokens billed at the normal input rate
 * - cacheRead: prompt tokens served from the provider's cache
 * - cacheWrite5m / cacheWrite1h: prompt tokens written to the cache (Anthropic's two TTLs)
 * - output: generated tokens that are not reasoning
 * - reasoning: thinking/reasoning tokens (billed as output unless a price says otherwise)
 */
export interface NormalisedUsage {
  inputUncached: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  output: number;
  reasoning: number;
}

export const USAGE_KINDS = [
  'inputUncached',
  'cacheRead',
  'cacheWrite5m',
  'cacheWrite1h',
  'output',
  'reasoning',
] as const satisfies readonly (keyof NormalisedUsage)[];

export type UsageKind = (typeof USAGE_KINDS)[number];

export function emptyUsage(): NormalisedUsage {
  return { inputUncached: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 };
}

export function addUsage(a: NormalisedUsage, b: NormalisedUsage): NormalisedUsage {
  const sum = emptyUsage();
  for (const kind of USAGE_KINDS) sum[kind] = a[kind] + b[kind];
  return sum;
}

/** All prompt-side tokens of one model call: what long-context price tiers are measured against. */
export function promptTokens(usage: NormalisedUsage): number {
  return usage.inputUncached + usage.cacheRead + usage.cacheWrite5m + usage.cacheWrite1h;
}

export function totalTokens(usage: NormalisedUsage): number {
  return promptTokens(usage) + usage.output + usage.reasoning;
}

/**
 * Builds a usage from counts that may be missing, negative (a provider's inconsistent numbers) or
 * fractional, clamping each to a non-negative integer so downstream money code can trust it.
 */
export function makeUsage(counts: Partial<Record<UsageKind, number | null | undefined>>): NormalisedUsage {
  const usage = emptyUsage();
  for (const kind of USAGE_KINDS) {
    const value = counts[kind];
    usage[kind] = typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
  }
  return usage;
}
