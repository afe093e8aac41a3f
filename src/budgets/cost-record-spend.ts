/**
 * Settled spend of a budget's scope in a window, read from the immutable cost records (the
 * truth the counters must equal): seeds a period's counter on first use and lets the sweeper
 * repair drifted counters. Sums in the cost store (`breakdown` with no grouping: one exact
 * Decimal128 `$sum` in the database), so a month of a busy organisation is not read record by
 * record, and it never depends on how the cost collection is laid out.
 */
import type { CostRecordFilter, CostRecordStore } from '../costs/cost-stores';
import type { BudgetRecord } from './budget-record';
import type { PeriodWindow } from './period';
import type { SpendSource } from './reservation.service';

export type CostRecordReader = Pick<CostRecordStore, 'breakdown'>;

/** The cost-record filter selecting what a budget limits (its scope) in a window. */
export function costFilterFor(budget: BudgetRecord, window: PeriodWindow): CostRecordFilter {
  const filter: CostRecordFilter = { organizationId: budget.organizationId, from: window.start };
  if (window.end) filter.to = window.end;
  switch (budget.scope) {
    case 'PROJECT':
      filter.projectId = budget.scopeId;
      break;
    case 'USER':
      filter.userId = budget.scopeId;
      break;
    case 'API_KEY':
      filter.apiKeyId = budget.scopeId;
      break;
    case 'ORGANIZATION':
      break;
  }
  return filter;
}

export class CostRecordSpendSource implements SpendSource {
  constructor(private readonly records: CostRecordReader) {}

  async spentInWindow(
    budget: BudgetRecord,
    window: PeriodWindow,
    excludeRequestIds: string[] = [],
  ): Promise<bigint> {
    // An organisation budget naming another organisation limits nothing it could read.
    if (budget.scope === 'ORGANIZATION' && budget.scopeId !== budget.organizationId) return 0n;
    const filter = costFilterFor(budget, window);
    if (excludeRequestIds.length > 0) filter.excludeRequestIds = excludeRequestIds;
    // Charges and adjustments alike: the cost of a request is the sum of its records.
    const { total } = await this.records.breakdown(filter, [], 'UTC');
    return total.cost.total;
  }
}
