/**
 * How a rollup is stored: one document per (organisation, scope, granularity, bucket, dimension,
 * key) with flat counters, so an update is a single `$inc`. Histograms are objects with one field
 * per bucket ("b0".."b28") because `$inc` on an upserted array index would create an object anyway.
 * Cost is an int64 of nano-USD (exact, and exact under `$inc`; 9.2e9 USD per rollup is the limit).
 */
import { Long } from 'mongodb';
import { HISTOGRAM_SIZE } from './histogram';
import { emptyMetrics, TOKEN_KINDS, type RollupMetrics } from './metrics';
import type { RollupDelta } from './facts';
import type { Dimension, StoredGranularity } from './dimensions';

export interface RollupDoc {
  _id: string;
  organizationId: string;
  scope: string;
  granularity: StoredGranularity;
  bucketStart: Date;
  dimension: Dimension;
  key: string;
  [counter: string]: unknown;
}

/** The `$inc` document that adds `m` to a stored rollup (zero counters are left out). */
export function incrementsOf(m: RollupMetrics): Record<string, number | Long> {
  const inc: Record<string, number | Long> = {};
  const put = (field: string, v: number) => {
    if (v !== 0) inc[field] = v;
  };
  put('requests', m.requests);
  put('errors', m.errors);
  for (const kind of TOKEN_KINDS) put(`tokens.${kind}`, m.tokens[kind]);
  if (m.costNano !== 0n) inc.costNano = Long.fromBigInt(m.costNano);
  put('unpriced', m.unpriced);
  put('latencyMsSum', m.latencyMsSum);
  put('latencyCount', m.latencyCount);
  put('ttftMsSum', m.ttftMsSum);
  put('ttftCount', m.ttftCount);
  m.latencyHistogram.forEach((c, i) => put(`latencyHistogram.b${i}`, c));
  m.ttftHistogram.forEach((c, i) => put(`ttftHistogram.b${i}`, c));
  put('toolCalls', m.toolCalls);
  put('toolErrors', m.toolErrors);
  return inc;
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof Long) return v.toNumber();
  if (typeof v === 'bigint') return Number(v);
  return 0;
}

function big(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof Long) return v.toBigInt();
  if (typeof v === 'number') return BigInt(v);
  return 0n;
}

export function metricsOfDoc(doc: Record<string, unknown>): RollupMetrics {
  const m = emptyMetrics();
  const tokens = (doc.tokens ?? {}) as Record<string, unknown>;
  const lh = (doc.latencyHistogram ?? {}) as Record<string, unknown>;
  const th = (doc.ttftHistogram ?? {}) as Record<string, unknown>;
  m.requests = num(doc.requests);
  m.errors = num(doc.errors);
  for (const kind of TOKEN_KINDS) m.tokens[kind] = num(tokens[kind]);
  m.costNano = big(doc.costNano);
  m.unpriced = num(doc.unpriced);
  m.latencyMsSum = num(doc.latencyMsSum);
  m.latencyCount = num(doc.latencyCount);
  m.ttftMsSum = num(doc.ttftMsSum);
  m.ttftCount = num(doc.ttftCount);
  for (let i = 0; i < HISTOGRAM_SIZE; i += 1) {
    m.latencyHistogram[i] = num(lh[`b${i}`]);
    m.ttftHistogram[i] = num(th[`b${i}`]);
  }
  m.toolCalls = num(doc.toolCalls);
  m.toolErrors = num(doc.toolErrors);
  return m;
}

export function deltaOfDoc(doc: RollupDoc): RollupDelta {
  return {
    id: doc._id,
    organizationId: doc.organizationId,
    scope: doc.scope,
    granularity: doc.granularity,
    bucketStart: doc.bucketStart,
    dimension: doc.dimension,
    key: doc.key,
    metrics: metricsOfDoc(doc),
  };
}
