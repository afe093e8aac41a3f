/**
 * Bulk seeding for analytics tests and benchmarks: writes usage events and their immutable cost
 * records straight into cost tracking's stores (the same documents the pipeline writes), with a
 * deterministic spread over organisations' projects, users, keys, providers, models and time.
 */
import type { Db } from 'mongodb';
import { zeroCost } from '../../src/costs/cost-calculator';
import type { CostRecord } from '../../src/costs/cost-record';
import { MongoUsageEventStore, toCostRecordDoc } from '../../src/costs/mongo-cost-stores';
import type { UsageEvent } from '../../src/costs/usage-event';
import { makeUsage } from '../../src/providers/usage/normalised-usage';

export interface SeedOptions {
  organizationId: string;
  count: number;
  from: Date;
  days: number;
  /** Every n-th request fails (0: none). */
  failEvery?: number;
  idPrefix?: string;
  /** Every record belongs to this user (e.g. one expensive user). */
  userId?: string;
  /** How many distinct users the records spread over (default 5). */
  users?: number;
  /** Multiplies each record's cost. */
  costFactor?: bigint;
}

const models = [
  ['openai', 'gpt-4o'],
  ['openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-sonnet-4'],
] as const;

export function seededRecord(o: SeedOptions, i: number): { record: CostRecord; event: UsageEvent } {
  const [provider, model] = models[i % models.length]!;
  const id = `ue_${o.idPrefix ?? o.organizationId}_${i}`;
  const requestedAt = new Date(o.from.getTime() + Math.floor((i / o.count) * o.days * 86_400_000));
  const usage = makeUsage({
    inputUncached: 100 + (i % 50),
    cacheRead: i % 7,
    output: 20 + (i % 30),
    reasoning: i % 3,
  });
  const cost = zeroCost();
  cost.inputUncached = BigInt(usage.inputUncached) * 2500n;
  cost.output = BigInt(usage.output) * 10_000n;
  cost.total = (cost.inputUncached + cost.output + BigInt(i % 11)) * (o.costFactor ?? 1n);
  const dims = {
    organizationId: o.organizationId,
    projectId: `${o.organizationId}-p${i % 3}`,
    userId: o.userId ?? `${o.organizationId}-u${i % (o.users ?? 5)}`,
    apiKeyId: `${o.organizationId}-k${i % 2}`,
  };
  const failed = o.failEvery ? i % o.failEvery === 0 : false;
  // ttftMs is spelled out so this compiles whether or not UsageEvent already declares it.
  const event: UsageEvent & { ttftMs: number | null } = {
    id,
    ...dims,
    requestId: `req_${id}`,
    conversationId: null,
    messageId: null,
    provider,
    model,
    calls: [{ index: 0, usage, partial: failed, usageSource: 'raw' }],
    outcome: failed ? 'failed' : 'succeeded',
    requestedAt,
    latencyMs: 200 + ((i * 37) % 3000),
    // Every other request was streamed.
    ttftMs: i % 2 ? 50 + ((i * 13) % 700) : null,
  };
  const record: CostRecord = {
    id,
    kind: 'charge',
    adjusts: null,
    usageEventId: id,
    ...dims,
    requestId: event.requestId,
    conversationId: null,
    messageId: null,
    provider,
    model,
    status: 'priced',
    usage,
    cost,
    priceVersions: ['catalog:test'],
    modelCalls: 1,
    requestCount: 1,
    unpricedDelta: 0,
    usageIncomplete: failed,
    latencyMs: event.latencyMs,
    requestedAt,
    recordedAt: requestedAt,
  };
  return { record, event };
}

/** Inserts `count` records in batches (fast path for volume; same documents as the stores write). */
export async function seedCostRecords(db: Db, o: SeedOptions): Promise<CostRecord[]> {
  const records: CostRecord[] = [];
  const usageEvents = new MongoUsageEventStore(db).collection;
  // The same collection MongoCostRecordStore writes; insertMany is the bulk path it does not offer.
  const costRecords = db.collection<{ _id: string }>('cost_records');
  const batch = 2000;
  for (let start = 0; start < o.count; start += batch) {
    const rows = Array.from({ length: Math.min(batch, o.count - start) }, (_, j) =>
      seededRecord(o, start + j),
    );
    await usageEvents.insertMany(rows.map(({ event: { id, ...rest } }) => ({ _id: id, ...rest })));
    await costRecords.insertMany(rows.map((r) => toCostRecordDoc(r.record)));
    records.push(...rows.map((r) => r.record));
  }
  return records;
}
