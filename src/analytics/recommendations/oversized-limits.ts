/**
 * Oversized limits: a `maxOutputTokens` far above what responses actually use does not change the
 * bill (output is charged per token produced), but every request reserves budget for the worst
 * case, so an oversized limit blocks requests early and hides runaway generations. The monthly
 * saving is therefore 0; the evidence carries the budget reserved needlessly per request.
 */
import { costOfTokens, formatUsd } from '../../shared/money';
import { confidenceFrom, recommendation, type ModelRates, type Recommendation } from './recommendation';

export interface LimitUsage {
  /** Where the limit is configured, e.g. "project:p1" or "apiKey:k1". */
  subject: string;
  provider: string;
  model: string;
  maxOutputTokens: number;
  requests: number;
  /** The 99th percentile (or maximum) of completion tokens actually produced. */
  observedP99OutputTokens: number;
  rates: ModelRates;
  examples: string[];
}

export interface LimitOptions {
  minRequests?: number;
  /** How many times the observed p99 the limit must exceed. */
  factor?: number;
  /** Ignore small absolute gaps. */
  minGapTokens?: number;
}

/** A limit with 50% headroom over the observed p99, rounded up to a multiple of 256. */
export function suggestedLimit(p99: number): number {
  return Math.max(256, Math.ceil((Math.max(1, p99) * 1.5) / 256) * 256);
}

export function oversizedLimitRecommendations(
  usages: LimitUsage[],
  options: LimitOptions = {},
): Recommendation[] {
  const { minRequests = 20, factor = 4, minGapTokens = 1024 } = options;
  const out: Recommendation[] = [];
  for (const u of usages) {
    if (u.requests < minRequests) continue;
    const p99 = Math.max(1, u.observedP99OutputTokens);
    if (u.maxOutputTokens < factor * p99 || u.maxOutputTokens - p99 < minGapTokens) continue;
    const suggested = suggestedLimit(p99);
    if (suggested >= u.maxOutputTokens) continue;
    const freedPerRequest = costOfTokens(u.maxOutputTokens - suggested, u.rates.output);
    out.push(
      recommendation({
        kind: 'OVERSIZED_LIMIT',
        key: `OVERSIZED_LIMIT:${u.subject}:${u.provider}/${u.model}`,
        title: `Lower maxOutputTokens for ${u.subject} from ${u.maxOutputTokens} to ${suggested}`,
        detail:
          `${u.requests} requests to ${u.provider}/${u.model} allowed up to ${u.maxOutputTokens} output tokens but 99% used at ` +
          `most ${u.observedP99OutputTokens}. Each request reserves ${formatUsd(freedPerRequest)} more budget than it ` +
          `needs; a tighter limit lets budgets admit more requests and caps runaway answers. It does not change the bill.`,
        estimatedMonthlySavingNano: 0n,
        confidence: confidenceFrom(u.requests, 100),
        evidence: {
          recordCount: u.requests,
          examples: u.examples.slice(0, 5),
          figures: {
            maxOutputTokens: String(u.maxOutputTokens),
            observedP99OutputTokens: String(u.observedP99OutputTokens),
            suggestedMaxOutputTokens: String(suggested),
            reservedNeedlesslyPerRequest: formatUsd(freedPerRequest),
          },
        },
      }),
    );
  }
  return out;
}
