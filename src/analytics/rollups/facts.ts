/**
 * What the analytics rollups are built from: one `UsageFact` per measured thing, whether it came
 * from a live event (`ResponseGenerated`, `CostCalculated`, `MCPToolExecuted`) or from the
 * immutable records during a rebuild. A response, its cost and its tool calls are separate facts
 * with their own ids, because they arrive as separate events; each fact is applied at most once.
 */
import {
  bucketStart,
  dimensionKeys,
  ORG_SCOPE,
  STORED_GRANULARITIES,
  rollupId,
  scopesOf,
  type Dimension,
  type StoredGranularity,
  type UsageDimensions,
} from './dimensions';
import { bucketIndex } from './histogram';
import { emptyMetrics, TOKEN_KINDS, type RollupMetrics, type TokenCounts } from './metrics';

interface FactBase {
  /** Unique per fact and stable across deliveries: the idempotency key. */
  id: string;
  occurredAt: Date;
  dims: UsageDimensions;
}

export interface ResponseFact extends FactBase {
  kind: 'RESPONSE';
  tokens: Partial<TokenCounts>;
  latencyMs?: number | null;
  /** Time to first token; only set for streamed responses. */
  ttftMs?: number | null;
  error: boolean;
}

export interface CostFact extends FactBase {
  kind: 'COST';
  costNano: bigint;
  /** +1 for a request whose price is unknown, -1 when a later adjustment prices it, else 0. */
  unpricedDelta: number;
}

export interface ToolFact extends FactBase {
  kind: 'TOOL';
  error: boolean;
}

export type UsageFact = ResponseFact | CostFact | ToolFact;

/** The metrics one fact adds to every rollup it belongs to. */
export function factMetrics(fact: UsageFact): RollupMetrics {
  const m = emptyMetrics();
  switch (fact.kind) {
    case 'RESPONSE':
      m.requests = 1;
      m.errors = fact.error ? 1 : 0;
      for (const kind of TOKEN_KINDS) m.tokens[kind] = fact.tokens[kind] ?? 0;
      if (isDuration(fact.latencyMs)) {
        m.latencyMsSum = fact.latencyMs;
        m.latencyCount = 1;
        m.latencyHistogram[bucketIndex(fact.latencyMs)] = 1;
      }
      if (isDuration(fact.ttftMs)) {
        m.ttftMsSum = fact.ttftMs;
        m.ttftCount = 1;
        m.ttftHistogram[bucketIndex(fact.ttftMs)] = 1;
      }
      break;
    case 'COST':
      m.costNano = fact.costNano;
      m.unpriced = fact.unpricedDelta;
      break;
    case 'TOOL':
      m.toolCalls = 1;
      m.toolErrors = fact.error ? 1 : 0;
      break;
  }
  return m;
}

function isDuration(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

export interface RollupDelta {
  id: string;
  organizationId: string;
  scope: string;
  granularity: StoredGranularity;
  bucketStart: Date;
  dimension: Dimension;
  key: string;
  metrics: RollupMetrics;
}

/** Every rollup (each scope, every stored granularity, every dimension the fact has) the fact adds to. */
export function factDeltas(fact: UsageFact): RollupDelta[] {
  const metrics = factMetrics(fact);
  const out: RollupDelta[] = [];
  const keys = dimensionKeys(fact.dims);
  for (const scope of scopesOf(fact.dims)) {
    for (const granularity of STORED_GRANULARITIES) {
      const start = bucketStart(fact.occurredAt, granularity);
      for (const { dimension, key } of keys) {
        // Inside a project's scope a breakdown by project would only repeat the total.
        if (scope !== ORG_SCOPE && dimension === 'PROJECT') continue;
        const parts = {
          organizationId: fact.dims.organizationId,
          scope,
          granularity,
          bucketStart: start,
          dimension,
          key,
        };
        out.push({ id: rollupId(parts), ...parts, metrics });
      }
    }
  }
  return out;
}
