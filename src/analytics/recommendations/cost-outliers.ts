/**
 * Cost outliers: users or projects whose cost per request is far above their peers'. "Far" is both
 * a ratio (3x the peer median) and a robust z-score over the peers (median absolute deviation), so
 * one expensive user among cheap ones stands out while a naturally wide spread does not. The saving
 * is what the subject would have paid at the peer median cost per request.
 */
import { formatUsd, type NanoUsd } from '../../shared/money';
import { confidenceFrom, median, perMonth, recommendation, type Recommendation } from './recommendation';

export interface PeerCost {
  dimension: 'USER' | 'PROJECT';
  key: string;
  requests: number;
  costNano: NanoUsd;
  examples: string[];
}

export interface OutlierOptions {
  minRequests?: number;
  minPeers?: number;
  ratio?: number;
  zThreshold?: number;
}

export function costOutlierRecommendations(
  subjects: PeerCost[],
  windowMs: number,
  options: OutlierOptions = {},
): Recommendation[] {
  const { minRequests = 10, minPeers = 4, ratio = 3, zThreshold = 3.5 } = options;
  const out: Recommendation[] = [];
  for (const dimension of ['USER', 'PROJECT'] as const) {
    const peers = subjects.filter((s) => s.dimension === dimension && s.requests >= minRequests);
    if (peers.length < minPeers) continue;
    const cpr = peers.map((p) => Number(p.costNano) / p.requests);
    const med = median(cpr);
    const mad = median(cpr.map((v) => Math.abs(v - med)));
    // A floor of 10% of the median keeps very uniform peers from making any difference "extreme".
    const scale = 1.4826 * Math.max(mad, med * 0.1, 1);
    peers.forEach((p, i) => {
      const value = cpr[i] as number;
      const z = (value - med) / scale;
      if (med <= 0 || value < ratio * med || z < zThreshold) return;
      const medianNano = BigInt(Math.round(med));
      const saving = p.costNano - medianNano * BigInt(p.requests);
      if (saving <= 0n) return;
      const label = dimension === 'USER' ? 'User' : 'Project';
      out.push(
        recommendation({
          kind: 'COST_OUTLIER',
          key: `COST_OUTLIER:${dimension}:${p.key}`,
          title: `${label} ${p.key} pays ${(value / med).toFixed(1)}x the typical cost per request`,
          detail:
            `${label} ${p.key} made ${p.requests} requests at ${formatUsd(BigInt(Math.round(value)))} each, against a median ` +
            `of ${formatUsd(medianNano)} across ${peers.length} ${label.toLowerCase()}s. Look at the model, prompt size and ` +
            `output length behind the examples.`,
          estimatedMonthlySavingNano: perMonth(saving, windowMs),
          confidence: confidenceFrom(p.requests, 50) * confidenceFrom(peers.length, 5),
          evidence: {
            recordCount: p.requests,
            examples: p.examples.slice(0, 5),
            figures: {
              costPerRequest: formatUsd(BigInt(Math.round(value))),
              peerMedianCostPerRequest: formatUsd(medianNano),
              peers: String(peers.length),
              robustZ: z.toFixed(1),
              observedCost: formatUsd(p.costNano),
            },
          },
        }),
      );
    });
  }
  return out.map((r) => ({ ...r, confidence: Math.round(r.confidence * 100) / 100 }));
}
