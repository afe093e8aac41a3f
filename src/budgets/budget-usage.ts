/**
 * How each of an organisation's budgets fared over its recent completed periods: how many
 * periods, in how many of them requests were refused, how many refusals, and the highest spend.
 * This is the input of the analytics "budget limits" recommendation (always blocked, never used),
 * read from the period counters (refusals are counted on the counter that refused them).
 */
import type { BudgetModels } from './models';

export interface BudgetPeriodUsage {
  budgetId: string;
  name: string;
  limitNano: bigint;
  periods: number;
  periodsBlocked: number;
  blockedRequests: number;
  peakSpentNano: bigint;
}

/** Completed periods that ended within `lookbackMs` before `now`, per enabled periodic budget. */
export async function readBudgetUsage(
  models: Pick<BudgetModels, 'Budget' | 'Counter'>,
  organizationId: string,
  now: Date,
  lookbackMs: number,
): Promise<BudgetPeriodUsage[]> {
  const budgets = await models.Budget.find({
    organizationId,
    enabled: true,
    period: { $nin: ['PER_REQUEST', 'TOTAL'] },
  }).lean();
  if (budgets.length === 0) return [];
  const counters = await models.Counter.find({
    budgetId: { $in: budgets.map((b) => b._id) },
    periodEnd: { $lte: now, $gt: new Date(now.getTime() - lookbackMs) },
  }).lean();
  return budgets.map((budget) => {
    const own = counters.filter((c) => String(c.budgetId) === String(budget._id));
    return {
      budgetId: String(budget._id),
      name: budget.name ?? `${budget.scope} ${budget.period} budget`,
      limitNano: BigInt(budget.limitNano),
      periods: own.length,
      periodsBlocked: own.filter((c) => (c.blockedRequests ?? 0) > 0).length,
      blockedRequests: own.reduce((sum, c) => sum + (c.blockedRequests ?? 0), 0),
      peakSpentNano: own.reduce((peak, c) => (c.spentNano > peak ? BigInt(c.spentNano) : peak), 0n),
    };
  });
}
