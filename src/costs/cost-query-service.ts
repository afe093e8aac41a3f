/**
 * Reading costs, limited to what the caller may see: organisation admins and viewers see the
 * whole organisation; members see the projects they belong to. Breakdowns are summed by the store
 * from the records themselves (in the database for MongoDB), with exact decimal and bigint sums,
 * so each group's totals equal the sum of its records to the last nano-USD.
 */
import { isOrgAdmin, type Caller } from '../auth/roles';
import { AppError } from '../shared/errors';
import { validateTimeZone, type CostGroupBy } from './cost-breakdown';
import type { CostRecord } from './cost-record';
import type { CostBreakdownResult, CostRecordCursor, CostRecordFilter, CostRecordStore } from './cost-stores';

export type { CostBreakdownResult } from './cost-stores';

export interface CostQueryFilter {
  from?: Date | null;
  to?: Date | null;
  organizationId?: string | null;
  projectId?: string | null;
  userId?: string | null;
  apiKeyId?: string | null;
  provider?: string | null;
  model?: string | null;
}

export function visibleCostFilter(caller: Caller, filter: CostQueryFilter = {}): CostRecordFilter {
  if (filter.organizationId && filter.organizationId !== caller.organizationId) {
    throw new AppError('FORBIDDEN', 'You can only read costs of your own organisation.');
  }
  if (filter.from && filter.to && filter.from.getTime() >= filter.to.getTime()) {
    throw new AppError('BAD_USER_INPUT', '"from" must be before "to".', {
      details: { fields: [{ field: 'filter.from', message: 'must be before to' }] },
    });
  }
  const scoped: CostRecordFilter = { organizationId: caller.organizationId };
  if (!isOrgAdmin(caller) && caller.role !== 'viewer') scoped.projectIds = Object.keys(caller.projectRoles);
  if (filter.projectId) scoped.projectId = filter.projectId;
  if (filter.userId) scoped.userId = filter.userId;
  if (filter.apiKeyId) scoped.apiKeyId = filter.apiKeyId;
  if (filter.provider) scoped.provider = filter.provider.toLowerCase();
  if (filter.model) scoped.model = filter.model;
  if (filter.from) scoped.from = filter.from;
  if (filter.to) scoped.to = filter.to;
  return scoped;
}

export function recordVisibleTo(caller: Caller, record: CostRecord): boolean {
  if (record.organizationId !== caller.organizationId) return false;
  if (isOrgAdmin(caller) || caller.role === 'viewer') return true;
  return record.projectId !== null && record.projectId in caller.projectRoles;
}

export class CostQueryService {
  constructor(private readonly store: CostRecordStore) {}

  async breakdown(
    caller: Caller,
    filter: CostQueryFilter,
    groupBy: CostGroupBy[],
    timezone = 'UTC',
  ): Promise<CostBreakdownResult> {
    validateTimeZone(timezone);
    return this.store.breakdown(visibleCostFilter(caller, filter), groupBy, timezone);
  }

  async records(
    caller: Caller,
    filter: CostQueryFilter,
    page: { first?: number; after?: CostRecordCursor } = {},
  ) {
    const first = Math.min(Math.max(page.first ?? 50, 1), 500);
    const rows = await this.store.find(visibleCostFilter(caller, filter), {
      first: first + 1,
      after: page.after,
    });
    return { records: rows.slice(0, first), hasNextPage: rows.length > first };
  }
}
