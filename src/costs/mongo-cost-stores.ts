/**
 * MongoDB implementations of the cost-tracking stores (native driver). Ids are `_id`, so the
 * unique index MongoDB always has makes inserts idempotent (duplicate key = already stored).
 * Money is stored as Decimal128 USD per component: exact, and exact under `$sum` (int64 sums
 * silently turn into doubles on overflow).
 */
import type { Collection, Db, Decimal128, Filter } from 'mongodb';

import { USAGE_KINDS } from '../providers/usage/normalised-usage';
import { fromDecimal128, toDecimal128 } from '../shared/money';
import type { CostBreakdown } from './cost-calculator';
import type { CostRecord } from './cost-record';
import type { CostRecordCursor, CostRecordFilter, CostRecordStore, UsageEventStore } from './cost-stores';
import type { UsageEvent } from './usage-event';

const DUPLICATE_KEY = 11000;

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

  async get(id: string): Promise<UsageEvent | null> {
    const doc = await this.collection.findOne({ _id: id });
    if (!doc) return null;
    const { _id, ...rest } = doc;
    return { id: _id, ...rest };
  }
}

type StoredCost = Record<keyof CostBreakdown, Decimal128>;
type CostRecordDoc = Omit<CostRecord, 'id' | 'cost'> & { _id: string; cost: StoredCost };

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
  return { _id: id, cost: toStoredCost(cost), ...rest };
}

export function fromCostRecordDoc(doc: CostRecordDoc): CostRecord {
  const { _id, cost, ...rest } = doc;
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
