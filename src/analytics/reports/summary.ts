/** Readable figures from summed rollup metrics: what every report row shows. */
import { histogramQuantile } from '../rollups/histogram';
import { completionTokenCount, tokenTotal, type RollupMetrics, type TokenCounts } from '../rollups/metrics';

export interface MetricsSummary {
  requests: number;
  errors: number;
  errorRate: number;
  tokens: TokenCounts;
  totalTokens: number;
  costNano: bigint;
  unpricedRequests: number;
  latencyAvgMs: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  /** Completion tokens per second of request time. */
  tokensPerSecond: number | null;
  toolCalls: number;
  toolErrors: number;
  toolErrorRate: number;
}

export function summarise(m: RollupMetrics): MetricsSummary {
  return {
    requests: m.requests,
    errors: m.errors,
    errorRate: m.requests ? m.errors / m.requests : 0,
    tokens: { ...m.tokens },
    totalTokens: tokenTotal(m.tokens),
    costNano: m.costNano,
    unpricedRequests: m.unpriced,
    latencyAvgMs: m.latencyCount ? m.latencyMsSum / m.latencyCount : null,
    latencyP50Ms: histogramQuantile(m.latencyHistogram, 0.5),
    latencyP95Ms: histogramQuantile(m.latencyHistogram, 0.95),
    ttftP50Ms: histogramQuantile(m.ttftHistogram, 0.5),
    ttftP95Ms: histogramQuantile(m.ttftHistogram, 0.95),
    tokensPerSecond: m.latencyMsSum > 0 ? completionTokenCount(m.tokens) / (m.latencyMsSum / 1000) : null,
    toolCalls: m.toolCalls,
    toolErrors: m.toolErrors,
    toolErrorRate: m.toolCalls ? m.toolErrors / m.toolCalls : 0,
  };
}
