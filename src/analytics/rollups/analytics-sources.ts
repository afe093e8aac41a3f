/**
 * Where rollups come from: the immutable cost records (and the outcome of their usage events),
 * and the tool calls analytics records itself from `MCPToolExecuted` (nothing else stores them).
 * Reads go through cost tracking's store; the outcome lookup and the organisation list read the
 * `usage_events` / `cost_records` collections directly because the stores offer no batch reads.
 */
import type { Collection, Db } from 'mongodb';
import type { CostRecord } from '../../costs/cost-record';
import { MongoCostRecordStore, MongoUsageEventStore } from '../../costs/mongo-cost-stores';
import type { UsageEvent } from '../../costs/usage-event';
import type { UsageDimensions } from './dimensions';
import type { ToolCallRecord } from './record-facts';

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface AnalyticsSources {
  organizations(): Promise<string[]>;
  costRecord(usageEventId: string, costRecordId: string): Promise<CostRecord | null>;
  usageEvent(id: string): Promise<UsageEvent | null>;
  /** Every cost record of the organisation in the range, in pages. */
  costRecords(organizationId: string, range: TimeRange, pageSize?: number): AsyncIterable<CostRecord[]>;
  failedUsageEvents(ids: string[]): Promise<Set<string>>;
  saveToolCall(call: ToolCallRecord): Promise<void>;
  toolCalls(organizationId: string, range: TimeRange): AsyncIterable<ToolCallRecord>;
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

  async costRecord(usageEventId: string, costRecordId: string): Promise<CostRecord | null> {
    return (await this.records.forUsageEvent(usageEventId)).find((r) => r.id === costRecordId) ?? null;
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

  async failedUsageEvents(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const docs = await this.db
      .collection<{ _id: string; outcome: string }>('usage_events')
      .find({ _id: { $in: ids }, outcome: 'failed' }, { projection: { _id: 1 } })
      .toArray();
    return new Set(docs.map((d) => d._id));
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
