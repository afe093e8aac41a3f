/**
 * MongoDB implementations of the cost-tracking stores (native driver). Ids are `_id`, so the
 * unique index MongoDB always has makes inserts idempotent (duplicate key = already stored).
 * Batches are one `insertMany` (unordered: duplicates are skipped, the rest still land).
 * Money is stored as Decimal128 USD per component: exact, and exact under `$sum` (int64 sums
 * silently turn into doubles on overflow), which is what lets `breakdown` sum in the database.
 */
import { MongoBulkWriteError, type Collection, type Db, type Decimal128, type Filter } from 'mongodb';

import { USAGE_KINDS } from '../providers/usage/normalised-usage';
import { fromDecimal128, toDecimal128 } from '../shared/money';
import { groupCostRecords, type CostGroupBy } from './cost-breakdown';
import { breakdownGroupStage, foldBreakdownRows, sumGroups } from './cost-breakdown-pipeline';
import type { CostBreakdown } from './cost-calculator';
import { emptyTotals, type CostRecord } from './cost-record';
import type {
  CostBreakdownResult,
  CostRecordCursor,
  CostRecordFilter,
  CostRecordStore,
  StoredCharge,
  UsageEventStore,
} from './cost-stores';
import type { UsageEvent } from './usage-event';

const DUPLICATE_KEY = 11000;

/**
 * By name as well as class: the app's `Db` comes from mongoose's own copy of the driver, whose
 * error classes are not the ones imported here, so `instanceof` alone misses them and a replayed
 * batch (every document a duplicate) failed instead of counting as already stored.
 */
function isBulkWriteError(error: unknown): error is MongoBulkWriteError {
  return error instanceof MongoBulkWriteError || (error as Error | null)?.name === 'MongoBulkWriteError';
}

/** Inserts a batch unordered; returns the ids newly inserted (duplicates are not an error). */
async function insertManyOnce<T extends { _id: string }>(
  collection: Collection<T>,
  docs: T[],
): Promise<Set<string>> {
  if (docs.length === 0) return new Set();
  try {
    await collection.insertMany(docs as unknown as Parameters<Collection<T>['insertMany']>[0], {
      ordered: false,
    });
    return new Set(docs.map((d) => d._id));
  } catch (error) {
    if (!isBulkWriteError(error)) throw error;
    const writeErrors = [error.writeErrors].flat();
    if (error.writeConcernErrors?.length || writeErrors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
    const duplicates = new Set(writeErrors.map((e) => e.index));
    return new Set(docs.filter((_, i) => !duplicates.has(i)).map((d) => d._id));
  }
}

async function insertOnce<T extends { _id: string }>(collection: Collection<T>, doc: T): Promise<boolean> {
  try {
    await collection.insertOne(doc as Parameters<Collection<T>['insertOne']>[0]);
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === DUPLICATE_KEY) return false;
    throw error;
  }
}

type UsageEventDoc = Omit<UsageEvent, 'id'> & { _id: string };

export class MongoUsageEventStore implements UsageEventStore {
  readonly collection: Collection<UsageEventDoc>;

  constructor(db: Db) {
    this.collection = db.collection<UsageEventDoc>('usage_events');
  }

  insert(event: UsageEvent): Promise<boolean> {
    const { id, ...rest } = event;
    return insertOnce(this.collection, { _id: id, ...rest });
  }

  async insertMany(events: UsageEvent[]): Promise<void> {
    await insertManyOnce(
      this.collection,
      events.map(({ id, ...rest }) => ({ _id: id, ...rest })),
    );
  }

  async get(id: string): Promise<UsageEvent | null> {
    const doc = await this.collection.findOne({ _id: id });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { id: _id, ...rest };
  }

  async getMany(ids: string[]): Promise<Map<string, UsageEvent>> {
    if (ids.length === 0) return new Map();
    const docs = await this.collection.find({ _id: { $in: ids } }).toArray();
    return new Map(docs.map(({ _id, ...rest }) => [_id, { id: _id, ...rest }]));
  }
}

type StoredCost = Record<keyof CostBreakdown, Decimal128>;
/**
 * `announced: false` until the record's CostCalculated/costUpdated went out; records written
 * before the flag existed have none and count as announced.
 */
type CostRecordDoc = Omit<CostRecord, 'id' | 'cost'> & { _id: string; cost: StoredCost; announced?: boolean };

function toStoredCost(cost: CostBreakdown): StoredCost {
  const stored = { total: toDecimal128(cost.total) } as StoredCost;
  for (const kind of USAGE_KINDS) stored[kind] = toDecimal128(cost[kind]);
  return stored;
}

function fromStoredCost(stored: StoredCost): CostBreakdown {
  const cost = { total: fromDecimal128(stored.total) } as CostBreakdown;
  for (const kind of USAGE_KINDS) cost[kind] = fromDecimal128(stored[kind]);
  return cost;
}

export function toCostRecordDoc(record: CostRecord): CostRecordDoc {
  const { id, cost, ...rest } = record;
  return { _id: id, cost: toStoredCost(cost), ...rest, announced: false };
}

export function fromCostRecordDoc(doc: CostRecordDoc): CostRecord {
  const { _id, cost, announced: _announced, ...rest } = doc;
  return { id: _id, cost: fromStoredCost(cost), ...rest };
}

export function costRecordQuery(filter: CostRecordFilter): Filter<CostRecordDoc> {
  const query: Filter<CostRecordDoc> = { organizationId: filter.organizationId };
  if (filter.projectIds !== undefined) query.projectId = { $in: filter.projectIds };
  if (filter.projectId !== undefined) query.projectId = filter.projectId;
  if (filter.userId !== undefined) query.userId = filter.userId;
  if (filter.apiKeyId !== undefined) query.apiKeyId = filter.apiKeyId;
  if (filter.provider !== undefined) query.provider = filter.provider;
  if (filter.model !== undefined) query.model = filter.model;
  if (filter.kind !== undefined) query.kind = filter.kind;
  if (filter.excludeRequestIds?.length) query.requestId = { $nin: filter.excludeRequestIds };
  if (filter.from || filter.to) {
    query.requestedAt = {
      ...(filter.from ? { $gte: filter.from } : {}),
      ...(filter.to ? { $lt: filter.to } : {}),
    };
  }
  return query;
}

export class MongoCostRecordStore implements CostRecordStore {
  readonly collection: Collection<CostRecordDoc>;
  private indexes?: Promise<void>;

  constructor(db: Db) {
    this.collection = db.collection<CostRecordDoc>('cost_records');
  }

  ensureIndexes(): Promise<void> {
    this.indexes ??= this.collection
      .createIndexes([
        { key: { organizationId: 1, requestedAt: -1, _id: -1 }, name: 'org_time' },
        { key: { usageEventId: 1 }, name: 'usage_event' },
        { key: { organizationId: 1, provider: 1, model: 1, kind: 1 }, name: 'org_model' },
      ])
      .then(() => undefined);
    return this.indexes;
  }

  insert(record: CostRecord): Promise<boolean> {
    return insertOnce(this.collection, toCostRecordDoc(record));
  }

  insertMany(records: CostRecord[]): Promise<Set<string>> {
    return insertManyOnce(this.collection, records.map(toCostRecordDoc));
  }

  async chargesFor(usageEventIds: string[]): Promise<Map<string, StoredCharge>> {
    if (usageEventIds.length === 0) return new Map();
    // A charge's _id is its usage event id: this is a primary-key lookup.
    const docs = await this.collection.find({ _id: { $in: usageEventIds }, kind: 'charge' }).toArray();
    return new Map(
      docs.map((doc) => [doc._id, { record: fromCostRecordDoc(doc), announced: doc.announced !== false }]),
    );
  }

  async byIds(ids: string[]): Promise<Map<string, StoredCharge>> {
    if (ids.length === 0) return new Map();
    const docs = await this.collection.find({ _id: { $in: ids } }).toArray();
    return new Map(
      docs.map((doc) => [doc._id, { record: fromCostRecordDoc(doc), announced: doc.announced !== false }]),
    );
  }

  async markAnnounced(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.collection.updateMany({ _id: { $in: ids } }, { $set: { announced: true } });
  }

  async breakdown(
    filter: CostRecordFilter,
    groupBy: CostGroupBy[],
    timeZone: string,
  ): Promise<CostBreakdownResult> {
    const rows = await this.collection
      .aggregate([{ $match: costRecordQuery(filter) }, breakdownGroupStage(groupBy)])
      .toArray();
    const groups = foldBreakdownRows(rows, groupBy, timeZone);
    if (groups) return { groups, total: sumGroups(groups, emptyTotals()) };
    // A zone whose offset is not whole quarter-hours (historic local mean time): group in memory.
    const records = await this.find(filter);
    const exact = groupCostRecords(records, groupBy, timeZone);
    return { groups: exact, total: sumGroups(exact, emptyTotals()) };
  }

  async forUsageEvent(usageEventId: string): Promise<CostRecord[]> {
    const docs = await this.collection.find({ usageEventId }).sort({ recordedAt: 1, kind: 1 }).toArray();
    return docs.map(fromCostRecordDoc);
  }

  async find(
    filter: CostRecordFilter,
    page: { first?: number; after?: CostRecordCursor } = {},
  ): Promise<CostRecord[]> {
    const query = costRecordQuery(filter);
    if (page.after) {
      const { requestedAt, id } = page.after;
      query.$or = [{ requestedAt: { $lt: requestedAt } }, { requestedAt, _id: { $lt: id } }];
    }
    let cursor = this.collection.find(query).sort({ requestedAt: -1, _id: -1 });
    if (page.first !== undefined) cursor = cursor.limit(page.first);
    return (await cursor.toArray()).map(fromCostRecordDoc);
  }
}
