/**
 * Flaky providers: a provider/model whose error rate is high with enough requests to be sure
 * (the Wilson lower bound of its error rate is above the threshold, not just the raw rate). The
 * suggested fallback is the observed model of the same capability tier, preferably at another
 * provider, with the lowest error rate. The saving is the spend on failed requests.
 */
import { formatUsd, type NanoUsd } from '../../shared/money';
import type { ModelOption } from './cheaper-model';
import { confidenceFrom, percent, perMonth, recommendation, type Recommendation } from './recommendation';

export interface ModelReliability {
  provider: string;
  model: string;
  requests: number;
  errors: number;
  /** What the failed requests cost (partial output, retries). */
  errorCostNano: NanoUsd;
  examples: string[];
}

export interface FlakyOptions {
  minRequests?: number;
  /** Error rate considered flaky, as a fraction. */
  threshold?: number;
}

/** Lower bound of the 95% Wilson score interval for a proportion. */
export function wilsonLower(successes: number, n: number, z = 1.96): number {
  if (n === 0) return 0;
  const p = successes / n;
  const denom = 1 + (z * z) / n;
  const centre = p + (z * z) / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return Math.max(0, (centre - margin) / denom);
}

export function flakyProviderRecommendations(
  models: ModelReliability[],
  catalog: ModelOption[],
  windowMs: number,
  options: FlakyOptions = {},
): Recommendation[] {
  const { minRequests = 20, threshold = 0.05 } = options;
  const tierOf = (provider: string, model: string) =>
    catalog.find((o) => o.provider === provider && o.model === model)?.tier;
  const out: Recommendation[] = [];
  for (const m of models) {
    if (m.requests < minRequests) continue;
    const lower = wilsonLower(m.errors, m.requests);
    if (lower < threshold) continue;
    const rate = m.errors / m.requests;
    const tier = tierOf(m.provider, m.model);
    const fallback = models
      .filter(
        (o) =>
          o !== m &&
          o.requests >= minRequests &&
          o.errors / o.requests < rate / 2 &&
          (tier === undefined || tierOf(o.provider, o.model) === tier),
      )
      .sort(
        (a, b) =>
          Number(a.provider === m.provider) - Number(b.provider === m.provider) ||
          a.errors / a.requests - b.errors / b.requests,
      )[0];
    const fallbackText = fallback
      ? `Add ${fallback.provider}/${fallback.model} (error rate ${percent(fallback.errors, fallback.requests)}) as a fallback.`
      : 'No comparable model with a lower error rate was observed; configure a fallback from another provider.';
    out.push(
      recommendation({
        kind: 'FLAKY_PROVIDER',
        key: `FLAKY_PROVIDER:${m.provider}/${m.model}`,
        title: `${m.provider}/${m.model} failed ${percent(m.errors, m.requests)} of requests`,
        detail: `${m.errors} of ${m.requests} requests to ${m.provider}/${m.model} failed. ${fallbackText}`,
        estimatedMonthlySavingNano: perMonth(m.errorCostNano, windowMs),
        confidence: Math.round(confidenceFrom(m.requests, 100) * Math.min(1, lower / threshold) * 100) / 100,
        evidence: {
          recordCount: m.requests,
          examples: m.examples.slice(0, 5),
          figures: {
            errorRate: percent(m.errors, m.requests),
            errorRateLowerBound: `${(lower * 100).toFixed(1)}%`,
            failedRequestCost: formatUsd(m.errorCostNano),
            fallback: fallback ? `${fallback.provider}/${fallback.model}` : 'none observed',
          },
        },
      }),
    );
  }
  return out;
}
