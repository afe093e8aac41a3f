/**
 * Reading costs, limited to what the caller may see: organisation admins and viewers see the
 * whole organisation; members see the projects they belong to. Breakdowns are computed from the
 * records themselves, so each group's totals equal the sum of its records exactly.
 */
import { isOrgAdmin, type Caller } from '../auth/roles';
import { AppError } from '../shared/errors';
import { groupCostRecords, validateTimeZone, type CostGroup, type CostGroupBy } from './cost-breakdown';
import { addRecord, emptyTotals, type CostRecord, type CostTotals } from './cost-record';
import type { CostRecordCursor, CostRecordFilter, CostRecordStore } from './cost-stores';

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

export interface CostBreakdownResult {
  groups: CostGroup[];
  total: CostTotals;
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
    const records = await this.store.find(visibleCostFilter(caller, filter));
    return {
      groups: groupCostRecords(records, groupBy, timezone),
      total: records.reduce(addRecord, emptyTotals()),
    };
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
