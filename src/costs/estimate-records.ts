/**
 * The records of a request whose real cost never arrived: the `estimate` charged when its budget
 * hold expired unsettled (its process died during the provider call), and the adjustment that
 * voids the estimate once the real charge turns up after all. Both ids derive from the request's
 * usage event id, so every writer (the budget sweeper, the cost-tracking listener, a replay of
 * either) writes the same two records at most once.
 */
import { emptyUsage } from '../providers/usage/normalised-usage';
import type { NanoUsd } from '../shared/money';
import { zeroCost, type CostBreakdown } from './cost-calculator';
import {
  costDelta,
  estimateIdFor,
  estimateVoidIdFor,
  type CostRecord,
  type EstimateReason,
} from './cost-record';
import { usageEventIdFor } from './usage-event';

/** What the budget hold durably knew about the request: who made it, on what, and its worst case. */
export interface CostEstimateInput {
  requestId: string;
  organizationId: string;
  projectId: string | null;
  userId: string | null;
  apiKeyId: string | null;
  provider: string;
  model: string;
  requestedAt: Date;
  /** The hold's worst case, charged in full: an estimate never under-counts. */
  amountNano: bigint;
  reason: EstimateReason;
}

export function estimateRecord(input: CostEstimateInput, recordedAt: Date): CostRecord {
  const usageEventId = usageEventIdFor(input.requestId);
  // The split by token kind is unknown: only the total is charged.
  const cost: CostBreakdown = { ...zeroCost(), total: input.amountNano as NanoUsd };
  return {
    id: estimateIdFor(usageEventId),
    kind: 'estimate',
    adjusts: null,
    usageEventId,
    organizationId: input.organizationId,
    projectId: input.projectId,
    userId: input.userId,
    apiKeyId: input.apiKeyId,
    requestId: input.requestId,
    conversationId: null,
    messageId: null,
    provider: input.provider,
    model: input.model,
    status: 'estimated',
    estimateReason: input.reason,
    usage: emptyUsage(),
    cost,
    priceVersions: [],
    modelCalls: 0,
    // It stands in for the request until the charge arrives (its void takes the 1 back).
    requestCount: 1,
    unpricedDelta: 0,
    usageIncomplete: true,
    latencyMs: 0,
    requestedAt: input.requestedAt,
    recordedAt,
  };
}

/**
 * Cancels an estimate exactly (cost and request count), so the request's records sum to its
 * charge. It keeps the estimate's request time, so every report bucket the estimate landed in
 * gets its cancellation too.
 */
export function estimateVoid(estimate: CostRecord, charge: CostRecord, recordedAt: Date): CostRecord {
  return {
    ...estimate,
    id: estimateVoidIdFor(estimate.usageEventId),
    kind: 'adjustment',
    adjusts: estimate.id,
    status: charge.status,
    estimateReason: null,
    cost: costDelta(zeroCost(), estimate.cost),
    requestCount: -estimate.requestCount,
    usageIncomplete: false,
    recordedAt,
  };
}
