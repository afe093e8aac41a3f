/**
 * Storage interfaces of cost tracking, and in-memory implementations for unit tests and
 * single-process development. Both stores are insert-only and idempotent by id: inserting an id
 * that exists returns false and changes nothing, which is what makes replayed jobs count once.
 */
import { groupCostRecords, type CostGroup, type CostGroupBy } from './cost-breakdown';
import { addRecord, emptyTotals, type CostRecord, type CostTotals } from './cost-record';
import type { UsageEvent } from './usage-event';

export interface CostRecordFilter {
  organizationId: string;
  /** When set, only records of these projects (the caller's visible projects). */
  projectIds?: string[];
  projectId?: string;
  userId?: string;
  apiKeyId?: string;
  provider?: string;
  model?: string;
  /** Inclusive lower bound on requestedAt. */
  from?: Date;
  /** Exclusive upper bound on requestedAt. */
  to?: Date;
  kind?: CostRecord['kind'];
  /** Leave out the records of these requests (budget repairs skip requests still held). */
  excludeRequestIds?: string[];
}

/** Position after which the next page starts (records are ordered newest first). */
export interface CostRecordCursor {
  requestedAt: Date;
  id: string;
}

export interface UsageEventStore {
  insert(event: UsageEvent): Promise<boolean>;
  /** Stores a batch in one write; events already stored are left as they are. */
  insertMany(events: UsageEvent[]): Promise<void>;
  get(id: string): Promise<UsageEvent | null>;
  getMany(ids: string[]): Promise<Map<string, UsageEvent>>;
}

/** A stored charge and whether its announcement (CostCalculated, costUpdated) went out. */
export interface StoredCharge {
  record: CostRecord;
  announced: boolean;
}

export interface CostBreakdownResult {
  groups: CostGroup[];
  total: CostTotals;
}

export interface CostRecordStore {
  /** Stores a record unannounced; false when its id exists. */
  insert(record: CostRecord): Promise<boolean>;
  /** Stores a batch in one write (unannounced); returns the ids that were newly inserted. */
  insertMany(records: CostRecord[]): Promise<Set<string>>;
  /** The charges of these usage events (a charge's id is its usage event id). */
  chargesFor(usageEventIds: string[]): Promise<Map<string, StoredCharge>>;
  /** Records of any kind by id (those that exist), with their announced state. */
  byIds(ids: string[]): Promise<Map<string, StoredCharge>>;
  /** Records that their announcement went out, so a replay does not repeat it. */
  markAnnounced(ids: string[]): Promise<void>;
  /** The charge and adjustments of one usage event, oldest first. */
  forUsageEvent(usageEventId: string): Promise<CostRecord[]>;
  /** Matching records, newest first, optionally after a cursor and limited. */
  find(filter: CostRecordFilter, page?: { first?: number; after?: CostRecordCursor }): Promise<CostRecord[]>;
  /** Matching records grouped and summed exactly (`costBreakdown`). */
  breakdown(filter: CostRecordFilter, groupBy: CostGroupBy[], timeZone: string): Promise<CostBreakdownResult>;
}

export function matchesFilter(record: CostRecord, filter: CostRecordFilter): boolean {
  return (
    record.organizationId === filter.organizationId &&
    (filter.projectIds === undefined ||
      (record.projectId !== null && filter.projectIds.includes(record.projectId))) &&
    (filter.projectId === undefined || record.projectId === filter.projectId) &&
    (filter.userId === undefined || record.userId === filter.userId) &&
    (filter.apiKeyId === undefined || record.apiKeyId === filter.apiKeyId) &&
    (filter.provider === undefined || record.provider === filter.provider) &&
    (filter.model === undefined || record.model === filter.model) &&
    (filter.kind === undefined || record.kind === filter.kind) &&
    (filter.excludeRequestIds === undefined || !filter.excludeRequestIds.includes(record.requestId)) &&
    (filter.from === undefined || record.requestedAt.getTime() >= filter.from.getTime()) &&
    (filter.to === undefined || record.requestedAt.getTime() < filter.to.getTime())
  );
}

/** Newest first; ties broken by id descending, so the order is total and cursors are stable. */
export function compareNewestFirst(a: CostRecordCursor, b: CostRecordCursor): number {
  const byTime = b.requestedAt.getTime() - a.requestedAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export class InMemoryUsageEventStore implements UsageEventStore {
  private readonly events = new Map<string, UsageEvent>();

  async insert(event: UsageEvent): Promise<boolean> {
    if (this.events.has(event.id)) return false;
    this.events.set(event.id, structuredClone(event));
    return true;
  }

  async insertMany(events: UsageEvent[]): Promise<void> {
    for (const event of events) await this.insert(event);
  }

  async get(id: string): Promise<UsageEvent | null> {
    const event = this.events.get(id);
    return event ? structuredClone(event) : null;
  }

  async getMany(ids: string[]): Promise<Map<string, UsageEvent>> {
    const found = new Map<string, UsageEvent>();
    for (const id of ids) {
      const event = this.events.get(id);
      if (event) found.set(id, structuredClone(event));
    }
    return found;
  }
}

export class InMemoryCostRecordStore implements CostRecordStore {
  private readonly records = new Map<string, CostRecord>();
  private readonly announced = new Set<string>();

  async insert(record: CostRecord): Promise<boolean> {
    if (this.records.has(record.id)) return false;
    this.records.set(record.id, structuredClone(record));
    return true;
  }

  async insertMany(records: CostRecord[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (const record of records) if (await this.insert(record)) inserted.add(record.id);
    return inserted;
  }

  async chargesFor(usageEventIds: string[]): Promise<Map<string, StoredCharge>> {
    const found = new Map<string, StoredCharge>();
    for (const id of usageEventIds) {
      const record = this.records.get(id);
      if (record?.kind === 'charge') {
        found.set(id, { record: structuredClone(record), announced: this.announced.has(id) });
      }
    }
    return found;
  }

  async byIds(ids: string[]): Promise<Map<string, StoredCharge>> {
    const found = new Map<string, StoredCharge>();
    for (const id of ids) {
      const record = this.records.get(id);
      if (record) found.set(id, { record: structuredClone(record), announced: this.announced.has(id) });
    }
    return found;
  }

  async markAnnounced(ids: string[]): Promise<void> {
    for (const id of ids) this.announced.add(id);
  }

  async breakdown(
    filter: CostRecordFilter,
    groupBy: CostGroupBy[],
    timeZone: string,
  ): Promise<CostBreakdownResult> {
    const records = await this.find(filter);
    return {
      groups: groupCostRecords(records, groupBy, timeZone),
      total: records.reduce(addRecord, emptyTotals()),
    };
  }

  async forUsageEvent(usageEventId: string): Promise<CostRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.usageEventId === usageEventId)
      .sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime() || (a.kind === 'charge' ? -1 : 1))
      .map((r) => structuredClone(r));
  }

  async find(
    filter: CostRecordFilter,
    page: { first?: number; after?: CostRecordCursor } = {},
  ): Promise<CostRecord[]> {
    const after = page.after;
    const matching = [...this.records.values()]
      .filter((r) => matchesFilter(r, filter))
      .filter((r) => !after || compareNewestFirst(after, r) < 0)
      .sort(compareNewestFirst);
    return (page.first === undefined ? matching : matching.slice(0, page.first)).map((r) =>
      structuredClone(r),
    );
  }

  size(): number {
    return this.records.size;
  }
}
