/**
 * Settled spend of a budget's scope in a window, read from the immutable cost records (the
 * truth the counters must equal): seeds a period's counter on first use and lets the sweeper
 * repair drifted counters. Reads through the cost feature's public store API (`find`, paged
 * newest first), so it never depends on how the cost collection is laid out.
 */
import type { CostRecordCursor, CostRecordFilter, CostRecordStore } from '../costs/cost-stores';
import type { BudgetRecord } from './budget-record';
import type { PeriodWindow } from './period';
import type { SpendSource } from './reservation.service';

export type CostRecordReader = Pick<CostRecordStore, 'find'>;

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
  constructor(
    private readonly records: CostRecordReader,
    /** Records read per round trip: bounds memory for busy organisations. */
    private readonly pageSize = 1000,
  ) {}

  async spentInWindow(
    budget: BudgetRecord,
    window: PeriodWindow,
    excludeRequestIds: string[] = [],
  ): Promise<bigint> {
    // An organisation budget naming another organisation limits nothing it could read.
    if (budget.scope === 'ORGANIZATION' && budget.scopeId !== budget.organizationId) return 0n;
    const filter = costFilterFor(budget, window);
    const skip = new Set(excludeRequestIds);
    let total = 0n;
    let after: CostRecordCursor | undefined;
    for (;;) {
      const page = await this.records.find(filter, { first: this.pageSize, after });
      // Charges and adjustments alike: the cost of a request is the sum of its records.
      for (const record of page) if (!skip.has(record.requestId)) total += record.cost.total;
      const last = page[page.length - 1];
      if (!last || page.length < this.pageSize) return total;
      after = { requestedAt: last.requestedAt, id: last.id };
    }
  }
}
