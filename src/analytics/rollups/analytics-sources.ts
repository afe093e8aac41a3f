/**
 * Where rollups come from: the immutable cost records (and what their usage events add: outcome
 * and time to first token), and the tool calls analytics records itself from `MCPToolExecuted`
 * (nothing else stores them). Paged reads go through cost tracking's store; the batch reads by id,
 * the usage details and the organisation list read the `usage_events` / `cost_records` collections
 * directly because the stores offer no batch reads.
 */
import type { Collection, Db } from 'mongodb';
import type { CostRecord } from '../../costs/cost-record';
import { fromCostRecordDoc, MongoCostRecordStore, MongoUsageEventStore } from '../../costs/mongo-cost-stores';
import type { UsageEvent } from '../../costs/usage-event';
import type { UsageDimensions } from './dimensions';
import type { ToolCallRecord } from './record-facts';

export interface TimeRange {
  from: Date;
  to: Date;
}

/** What a rollup takes from a request's usage event besides its cost record. */
export interface UsageDetail {
  outcome: 'succeeded' | 'failed';
  /** Streamed responses only. */
  ttftMs: number | null;
}

export interface AnalyticsSources {
  organizations(): Promise<string[]>;
  usageEvent(id: string): Promise<UsageEvent | null>;
  /** Every cost record of the organisation in the range, in pages. */
  costRecords(organizationId: string, range: TimeRange, pageSize?: number): AsyncIterable<CostRecord[]>;
  costRecordsByIds(ids: string[]): Promise<CostRecord[]>;
  usageDetails(usageEventIds: string[]): Promise<Map<string, UsageDetail>>;
  saveToolCall(call: ToolCallRecord): Promise<void>;
  toolCalls(organizationId: string, range: TimeRange): AsyncIterable<ToolCallRecord>;
  toolCallsByIds(ids: string[]): Promise<ToolCallRecord[]>;
}

/**
 * Reads by id in chunks: the embedded server answers an `$in` of up to 256 values with point
 * lookups, and a longer one by testing every index entry against every value.
 */
export const ID_CHUNK = 256;

export async function byIdChunks<T>(ids: string[], read: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += ID_CHUNK) out.push(...(await read(ids.slice(i, i + ID_CHUNK))));
  return out;
}

interface UsageDetailDoc {
  _id: string;
  outcome: 'succeeded' | 'failed';
  ttftMs?: number | null;
}

interface ToolCallDoc {
  _id: string;
  organizationId: string;
  occurredAt: Date;
  dims: UsageDimensions;
  error: boolean;
}

export class MongoAnalyticsSources implements AnalyticsSources {
  private readonly records: MongoCostRecordStore;
  private readonly usageEvents: MongoUsageEventStore;
  private readonly tools: Collection<ToolCallDoc>;

  constructor(private readonly db: Db) {
    this.records = new MongoCostRecordStore(db);
    this.usageEvents = new MongoUsageEventStore(db);
    this.tools = db.collection<ToolCallDoc>('analytics_tool_calls');
  }

  async ensureIndexes(): Promise<void> {
    await this.tools.createIndex({ organizationId: 1, occurredAt: 1 }, { name: 'org_time' });
  }

  async organizations(): Promise<string[]> {
    const rows = await this.db
      .collection('cost_records')
      .aggregate<{ _id: string }>([{ $group: { _id: '$organizationId' } }, { $sort: { _id: 1 } }])
      .toArray();
    return rows.map((r) => r._id);
  }

  usageEvent(id: string): Promise<UsageEvent | null> {
    return this.usageEvents.get(id);
  }

  async *costRecords(organizationId: string, range: TimeRange, pageSize = 2000): AsyncIterable<CostRecord[]> {
    let after: { requestedAt: Date; id: string } | undefined;
    for (;;) {
      const page = await this.records.find(
        { organizationId, from: range.from, to: range.to },
        { first: pageSize, after },
      );
      if (page.length === 0) return;
      yield page;
      const last = page[page.length - 1] as CostRecord;
      after = { requestedAt: last.requestedAt, id: last.id };
      if (page.length < pageSize) return;
    }
  }

  async costRecordsByIds(ids: string[]): Promise<CostRecord[]> {
    if (ids.length === 0) return [];
    const docs = await byIdChunks(ids, (chunk) =>
      this.records.collection.find({ _id: { $in: chunk } }).toArray(),
    );
    return docs.map(fromCostRecordDoc);
  }

  async usageDetails(usageEventIds: string[]): Promise<Map<string, UsageDetail>> {
    const out = new Map<string, UsageDetail>();
    if (usageEventIds.length === 0) return out;
    const events = this.db.collection<UsageDetailDoc>('usage_events');
    const docs = await byIdChunks([...new Set(usageEventIds)], (chunk) =>
      events.find({ _id: { $in: chunk } }, { projection: { _id: 1, outcome: 1, ttftMs: 1 } }).toArray(),
    );
    for (const d of docs) out.set(d._id, { outcome: d.outcome, ttftMs: d.ttftMs ?? null });
    return out;
  }

  async toolCallsByIds(ids: string[]): Promise<ToolCallRecord[]> {
    if (ids.length === 0) return [];
    const docs = await byIdChunks(ids, (chunk) => this.tools.find({ _id: { $in: chunk } }).toArray());
    return docs.map((d) => ({ id: d._id, occurredAt: d.occurredAt, dims: d.dims, error: d.error }));
  }

  async saveToolCall(call: ToolCallRecord): Promise<void> {
    await this.tools.updateOne(
      { _id: call.id },
      {
        $setOnInsert: {
          organizationId: call.dims.organizationId,
          occurredAt: call.occurredAt,
          dims: call.dims,
          error: call.error,
        },
      },
      { upsert: true },
    );
  }

  async *toolCalls(organizationId: string, range: TimeRange): AsyncIterable<ToolCallRecord> {
    const cursor = this.tools.find({ organizationId, occurredAt: { $gte: range.from, $lt: range.to } });
    for await (const d of cursor) yield { id: d._id, occurredAt: d.occurredAt, dims: d.dims, error: d.error };
  }
}
