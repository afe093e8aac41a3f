/**
 * Turns the immutable records into rollup facts. A cost record is the one source of truth for a
 * request's numbers: its charge carries the request, tokens, latency and cost; an adjustment only
 * a cost difference (and -1 unpriced when it prices a request). Using the same conversion for live
 * events and for a rebuild is what makes the two equal, and report totals equal the cost records.
 * The usage event adds what the cost record does not carry: the outcome and time to first token.
 */
import type { CostRecord } from '../../costs/cost-record';
import type { UsageDetail } from './analytics-sources';
import type { UsageDimensions } from './dimensions';
import type { UsageFact } from './facts';

export function dimsOfRecord(
  record: Pick<CostRecord, 'organizationId' | 'projectId' | 'userId' | 'apiKeyId' | 'provider' | 'model'>,
): UsageDimensions {
  return {
    organizationId: record.organizationId,
    projectId: record.projectId,
    userId: record.userId,
    apiKeyId: record.apiKeyId,
    provider: record.provider,
    model: record.model,
  };
}

export function factsFromCostRecord(record: CostRecord, usage: Partial<UsageDetail> | null): UsageFact[] {
  const dims = dimsOfRecord(record);
  const cost: UsageFact = {
    kind: 'COST',
    id: `cost:${record.id}`,
    occurredAt: record.requestedAt,
    dims,
    costNano: record.cost.total,
    unpricedDelta: record.unpricedDelta,
  };
  if (record.kind !== 'charge' || record.requestCount === 0) return [cost];
  return [
    {
      kind: 'RESPONSE',
      id: `response:${record.id}`,
      occurredAt: record.requestedAt,
      dims,
      tokens: { ...record.usage },
      latencyMs: record.latencyMs,
      ttftMs: usage?.ttftMs ?? null,
      error: usage?.outcome === 'failed',
    },
    cost,
  ];
}

/** A tool call, attributed to the request that made it when that request is known. */
export interface ToolCallRecord {
  id: string;
  occurredAt: Date;
  dims: UsageDimensions;
  error: boolean;
}

export function factFromToolCall(call: ToolCallRecord): UsageFact {
  return {
    kind: 'TOOL',
    id: `tool:${call.id}`,
    occurredAt: call.occurredAt,
    dims: call.dims,
    error: call.error,
  };
}
