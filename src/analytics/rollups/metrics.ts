/**
 * The measures one rollup holds, and how they add. Everything is a sum or a histogram, so rollups
 * add in any order: rebuilding from records in one pass gives the same totals as applying events
 * one by one, which is what makes rebuild and incremental maintenance comparable.
 */
import { USAGE_KINDS, type UsageKind } from '../../providers/usage/normalised-usage';
import { addToHistogram, emptyHistogram } from './histogram';

/** The providers' disjoint token kinds: each token is counted in exactly one. */
export const TOKEN_KINDS = USAGE_KINDS;
export type TokenKind = UsageKind;
export type TokenCounts = Record<TokenKind, number>;

export interface RollupMetrics {
  requests: number;
  errors: number;
  tokens: TokenCounts;
  /** Exact nano-USD. */
  costNano: bigint;
  /** Requests whose price is still unknown (their cost counts as 0 until repriced). */
  unpriced: number;
  latencyMsSum: number;
  latencyCount: number;
  latencyHistogram: number[];
  /** Time to first token, only for streamed responses. */
  ttftMsSum: number;
  ttftCount: number;
  ttftHistogram: number[];
  toolCalls: number;
  toolErrors: number;
}

export function emptyTokens(): TokenCounts {
  return { inputUncached: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 };
}

export function emptyMetrics(): RollupMetrics {
  return {
    requests: 0,
    errors: 0,
    tokens: emptyTokens(),
    costNano: 0n,
    unpriced: 0,
    latencyMsSum: 0,
    latencyCount: 0,
    latencyHistogram: emptyHistogram(),
    ttftMsSum: 0,
    ttftCount: 0,
    ttftHistogram: emptyHistogram(),
    toolCalls: 0,
    toolErrors: 0,
  };
}

/** Adds `source` into `target` in place and returns `target`. */
export function addMetrics(target: RollupMetrics, source: RollupMetrics): RollupMetrics {
  target.requests += source.requests;
  target.errors += source.errors;
  for (const kind of TOKEN_KINDS) target.tokens[kind] += source.tokens[kind];
  target.costNano += source.costNano;
  target.unpriced += source.unpriced;
  target.latencyMsSum += source.latencyMsSum;
  target.latencyCount += source.latencyCount;
  // Most facts carry no latency (costs, tool calls): skip their empty histograms.
  if (source.latencyCount !== 0) addToHistogram(target.latencyHistogram, source.latencyHistogram);
  target.ttftMsSum += source.ttftMsSum;
  target.ttftCount += source.ttftCount;
  if (source.ttftCount !== 0) addToHistogram(target.ttftHistogram, source.ttftHistogram);
  target.toolCalls += source.toolCalls;
  target.toolErrors += source.toolErrors;
  return target;
}

/** Takes `source` out of `target` in place (the inverse of addMetrics); returns `target`. */
export function subtractMetrics(target: RollupMetrics, source: RollupMetrics): RollupMetrics {
  const negated = addMetrics(emptyMetrics(), source);
  negated.requests = -negated.requests;
  negated.errors = -negated.errors;
  for (const kind of TOKEN_KINDS) negated.tokens[kind] = -negated.tokens[kind];
  negated.costNano = -negated.costNano;
  negated.unpriced = -negated.unpriced;
  negated.latencyMsSum = -negated.latencyMsSum;
  negated.latencyCount = -negated.latencyCount;
  negated.latencyHistogram = negated.latencyHistogram.map((c) => -c);
  negated.ttftMsSum = -negated.ttftMsSum;
  negated.ttftCount = -negated.ttftCount;
  negated.ttftHistogram = negated.ttftHistogram.map((c) => -c);
  negated.toolCalls = -negated.toolCalls;
  negated.toolErrors = -negated.toolErrors;
  return addMetrics(target, negated);
}

export function sumMetrics(all: Iterable<RollupMetrics>): RollupMetrics {
  const total = emptyMetrics();
  for (const m of all) addMetrics(total, m);
  return total;
}

export function promptTokenCount(t: TokenCounts): number {
  return t.inputUncached + t.cacheRead + t.cacheWrite5m + t.cacheWrite1h;
}

export function completionTokenCount(t: TokenCounts): number {
  return t.output + t.reasoning;
}

export function tokenTotal(t: TokenCounts): number {
  return promptTokenCount(t) + completionTokenCount(t);
}
