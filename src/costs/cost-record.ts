/**
 * The immutable cost record and how records add up. A request gets exactly one `charge` record
 * (id = its usage event id). A later price change never edits it: repricing appends an
 * `adjustment` record holding only the difference, so history is kept and every total is still
 * a plain sum of records:
 * - cost: the charge's cost plus each adjustment's delta;
 * - tokens and requests: counted on the charge only (adjustments carry zero tokens);
 * - unpriced requests: +1 on an unpriced charge, -1 on the adjustment that first prices it.
 *
 * An `estimate` record stands in for a charge that never came: the process handling the request
 * died during the provider call, so its budget hold expired unsettled and the hold's worst case
 * is charged (status `estimated`). It counts as the request until the real charge arrives; then
 * an adjustment voids it (cost and request count back to zero), so totals equal the real figure.
 */
import { addUsage, emptyUsage, USAGE_KINDS, type NormalisedUsage } from '../providers/usage/normalised-usage';
import type { NanoUsd } from '../shared/money';
import { addCosts, zeroCost, type CostBreakdown } from './cost-calculator';

export interface CostRecord {
  id: string;
  kind: 'charge' | 'adjustment' | 'estimate';
  /** For adjustments: the charge (or estimate) record they correct. */
  adjusts: string | null;
  usageEventId: string;
  organizationId: string;
  projectId: string | null;
  userId: string | null;
  apiKeyId: string | null;
  requestId: string;
  conversationId: string | null;
  messageId: string | null;
  provider: string;
  model: string;
  /**
   * Whether the request's cost is fully known after this record; `estimated`: a worst case
   * charged in place of an unknown actual cost (see `estimateReason`).
   */
  status: 'priced' | 'unpriced' | 'estimated';
  /** Estimates only: why the record is an estimate. */
  estimateReason?: EstimateReason | null;
  usage: NormalisedUsage;
  cost: CostBreakdown;
  /** The price rows used (`catalog:...` or `override:...`). */
  priceVersions: string[];
  modelCalls: number;
  requestCount: number;
  unpricedDelta: number;
  /** True when a call's usage was partial (failed request) or not reported by the provider. */
  usageIncomplete: boolean;
  latencyMs: number;
  /** The request time (groups and price dates use it). */
  requestedAt: Date;
  recordedAt: Date;
}

export type EstimateReason = 'HOLD_EXPIRED';

export const ESTIMATE_REASON_MESSAGES: Record<EstimateReason, string> = {
  HOLD_EXPIRED:
    "The process handling this request stopped during the provider call; the hold's worst case is charged until a real figure arrives.",
};

/** Deterministic id of a request's estimate, so writing it again (a re-run sweep) is a no-op. */
export const estimateIdFor = (usageEventId: string) => `${usageEventId}:estimate`;
/** Deterministic id of the adjustment that voids a request's estimate once its charge arrives. */
export const estimateVoidIdFor = (usageEventId: string) => `${usageEventId}:estimate:void`;

export interface CostTotals {
  cost: CostBreakdown;
  usage: NormalisedUsage;
  requests: number;
  unpricedRequests: number;
  records: number;
}

export function emptyTotals(): CostTotals {
  return { cost: zeroCost(), usage: emptyUsage(), requests: 0, unpricedRequests: 0, records: 0 };
}

export function addRecord(totals: CostTotals, record: CostRecord): CostTotals {
  return {
    cost: addCosts(totals.cost, record.cost),
    usage: addUsage(totals.usage, record.usage),
    requests: totals.requests + record.requestCount,
    unpricedRequests: totals.unpricedRequests + record.unpricedDelta,
    records: totals.records + 1,
  };
}

/** The difference between two breakdowns (after - before), component by component. */
export function costDelta(after: CostBreakdown, before: CostBreakdown): CostBreakdown {
  const delta = zeroCost();
  for (const kind of USAGE_KINDS) delta[kind] = after[kind] - before[kind];
  delta.total = after.total - before.total;
  return delta;
}

export const isZeroCost = (cost: CostBreakdown): boolean =>
  cost.total === 0n && USAGE_KINDS.every((kind) => cost[kind] === (0n as NanoUsd));
