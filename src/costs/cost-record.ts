/**
 * The immutable cost record and how records add up. A request gets exactly one `charge` record
 * (id = its usage event id). A later price change never edits it: repricing appends an
 * `adjustment` record holding only the difference, so history is kept and every total is still
 * a plain sum of records:
 * - cost: the charge's cost plus each adjustment's delta;
 * - tokens and requests: counted on the charge only (adjustments carry zero tokens);
 * - unpriced requests: +1 on an unpriced charge, -1 on the adjustment that first prices it.
 */
import { addUsage, emptyUsage, USAGE_KINDS, type NormalisedUsage } from '../providers/usage/normalised-usage';
import type { NanoUsd } from '../shared/money';
import { addCosts, zeroCost, type CostBreakdown } from './cost-calculator';

export interface CostRecord {
  id: string;
  kind: 'charge' | 'adjustment';
  /** For adjustments: the charge record they correct. */
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
  /** Whether the request's cost is fully known after this record. */
  status: 'priced' | 'unpriced';
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
