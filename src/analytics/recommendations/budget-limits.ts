/**
 * Budget limits that do not fit: a budget that blocks requests in most periods is set too low for
 * the work it governs (raise it or move the work), and one that never gets near its limit gives no
 * protection (lower it to what is spent). Neither changes spend by itself, so the saving is 0.
 */
import { formatUsd, type NanoUsd } from '../../shared/money';
import { confidenceFrom, recommendation, type Recommendation } from './recommendation';

export interface BudgetUsage {
  budgetId: string;
  name: string;
  limitNano: NanoUsd;
  /** Completed periods observed. */
  periods: number;
  periodsBlocked: number;
  blockedRequests: number;
  /** Highest spend in any observed period. */
  peakSpentNano: NanoUsd;
}

export interface BudgetOptions {
  minPeriods?: number;
  /** Share of periods with blocked requests that counts as "always blocked". */
  blockedShare?: number;
  /** Peak utilisation under which a budget counts as "never used". */
  unusedUtilisation?: number;
}

export function budgetLimitRecommendations(
  budgets: BudgetUsage[],
  options: BudgetOptions = {},
): Recommendation[] {
  const { minPeriods = 3, blockedShare = 0.75, unusedUtilisation = 0.1 } = options;
  const out: Recommendation[] = [];
  for (const b of budgets) {
    if (b.periods < minPeriods || b.limitNano <= 0n) continue;
    const utilisation = Number((b.peakSpentNano * 10_000n) / b.limitNano) / 10_000;
    const figures = {
      limit: formatUsd(b.limitNano),
      peakSpent: formatUsd(b.peakSpentNano),
      periodsObserved: String(b.periods),
      periodsBlocked: String(b.periodsBlocked),
      blockedRequests: String(b.blockedRequests),
    };
    if (b.periodsBlocked / b.periods >= blockedShare) {
      out.push(
        recommendation({
          kind: 'BUDGET_LIMIT',
          key: `BUDGET_LIMIT:BLOCKED:${b.budgetId}`,
          title: `Budget "${b.name}" blocked requests in ${b.periodsBlocked} of ${b.periods} periods`,
          detail:
            `${b.blockedRequests} requests were refused by "${b.name}" (limit ${formatUsd(b.limitNano)}). Raise the limit ` +
            'if this work is wanted, or move it to a cheaper model or another budget.',
          estimatedMonthlySavingNano: 0n,
          confidence: confidenceFrom(b.periods, 3),
          evidence: { recordCount: b.blockedRequests, examples: [b.budgetId], figures },
        }),
      );
    } else if (b.periodsBlocked === 0 && utilisation < unusedUtilisation) {
      out.push(
        recommendation({
          kind: 'BUDGET_LIMIT',
          key: `BUDGET_LIMIT:UNUSED:${b.budgetId}`,
          title: `Budget "${b.name}" never used more than ${(utilisation * 100).toFixed(1)}% of its limit`,
          detail:
            `In ${b.periods} periods "${b.name}" peaked at ${formatUsd(b.peakSpentNano)} of ${formatUsd(b.limitNano)}. ` +
            'A limit this far above real spend would not stop a runaway; lower it closer to what is spent.',
          estimatedMonthlySavingNano: 0n,
          confidence: confidenceFrom(b.periods, 3),
          evidence: { recordCount: b.periods, examples: [b.budgetId], figures },
        }),
      );
    }
  }
  return out;
}
