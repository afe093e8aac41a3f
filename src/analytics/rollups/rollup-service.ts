/**
 * Keeps the usage rollups. Live events only queue what they announce (`enqueueCostRecord`,
 * `enqueueToolCall`: one insert into the rollup inbox, idempotent per source record); `drain()`
 * then counts the queue in batches: claim many rows, read their records with one query each,
 * fold them in memory into per-rollup increments and apply one `bulkWrite` of `$inc` upserts, then
 * confirm the rows. Exactly once per source record:
 * - a second delivery finds the row (pending or applied receipt) and adds nothing;
 * - a batch that died between counting and confirming leaves its rows claimed past their lease;
 *   nobody can tell whether its `$inc` landed, so `recover()` rebuilds those records' days;
 * - a rebuild (see rollup-rebuilder) holds the organisation so batches and rebuild never overlap.
 */
import type { Db } from 'mongodb';
import type { Clock } from '../../shared/clock';
import { isAppError } from '../../shared/errors';
import { RollupAccumulator } from './accumulator';
import type { AnalyticsSources, TimeRange } from './analytics-sources';
import { DAY_MS } from './dimensions';
import { factFromToolCall, factsFromCostRecord, type ToolCallRecord } from './record-facts';
import { RebuildControl } from './rebuild-control';
import { RollupInbox, type InboxRow } from './rollup-inbox';
import { RollupRebuilder } from './rollup-rebuilder';
import { RollupStore } from './rollup-store';

export interface RebuildResult {
  organizations: number;
  costRecords: number;
  toolCalls: number;
  rollups: number;
  range: TimeRange;
}

export interface BatchResult {
  claimed: number;
  applied: number;
  /** Rows handed back because their organisation started rebuilding. */
  released: number;
  /** Rows whose record could not be read yet (retried later). */
  missing: number;
  rollups: number;
}

export interface DrainResult {
  batches: number;
  applied: number;
  repairedOrganizations: number;
}

export interface RollupServiceOptions {
  /** Inbox rows per batch. */
  batchSize?: number;
  /** How long a batch may hold its rows. */
  leaseMs?: number;
  /** How long a rebuild may go without renewing its hold. */
  rebuildLeaseMs?: number;
  /** How long a rebuild waits for running batches (real time). */
  waitForBatchesMs?: number;
}

/** A batch must still have this much lease left to start counting. */
const LEASE_MARGIN_MS = 10_000;

export function dayRange(at: Date): TimeRange {
  const from = new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

export function alignToDays(range: TimeRange): TimeRange {
  const from = Math.floor(range.from.getTime() / DAY_MS) * DAY_MS;
  const to = Math.ceil(range.to.getTime() / DAY_MS) * DAY_MS;
  return { from: new Date(from), to: new Date(Math.max(to, from + DAY_MS)) };
}

export class RollupService {
  readonly store: RollupStore;
  readonly inbox: RollupInbox;
  readonly control: RebuildControl;
  private readonly rebuilder: RollupRebuilder;
  private readonly batchSize: number;
  private draining: Promise<DrainResult> | undefined;
  private drainAgain = false;

  constructor(
    db: Db,
    private readonly sources: AnalyticsSources,
    private readonly clock: Clock,
    options: RollupServiceOptions = {},
  ) {
    this.store = new RollupStore(db);
    this.inbox = new RollupInbox(db, clock, options.leaseMs);
    this.control = new RebuildControl(db, clock, options.rebuildLeaseMs);
    this.rebuilder = new RollupRebuilder(sources, this.store, this.inbox, this.control, {
      waitForBatchesMs: options.waitForBatchesMs,
    });
    this.batchSize = options.batchSize ?? 500;
  }

  async ensureIndexes(): Promise<void> {
    await this.store.ensureIndexes();
    await this.inbox.ensureIndexes();
  }

  /** Queues a cost record (from `CostCalculated`); false when it was queued or counted before. */
  enqueueCostRecord(organizationId: string, costRecordId: string): Promise<boolean> {
    return this.inbox.enqueue({ kind: 'record', sourceId: costRecordId, organizationId });
  }

  /** Queues many cost records with one write; returns how many were new. */
  enqueueCostRecords(items: { organizationId: string; costRecordId: string }[]): Promise<number> {
    return this.inbox.enqueueMany(
      items.map((i) => ({
        kind: 'record' as const,
        sourceId: i.costRecordId,
        organizationId: i.organizationId,
      })),
    );
  }

  /** Stores a tool call (from `MCPToolExecuted`) and queues it. */
  async enqueueToolCall(call: ToolCallRecord): Promise<boolean> {
    await this.sources.saveToolCall(call);
    return this.inbox.enqueue({ kind: 'tool', sourceId: call.id, organizationId: call.dims.organizationId });
  }

  /**
   * Counts everything queued, batch after batch, after repairing what died mid-way. Runs once per
   * process at a time: a call while a drain runs makes that drain go round once more.
   */
  drain(): Promise<DrainResult> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      const total: DrainResult = { batches: 0, applied: 0, repairedOrganizations: 0 };
      try {
        do {
          this.drainAgain = false;
          total.repairedOrganizations += await this.recover();
          for (;;) {
            const batch = await this.applyBatch();
            if (batch.claimed === 0) break;
            total.batches += 1;
            total.applied += batch.applied;
          }
        } while (this.drainAgain);
        return total;
      } finally {
        this.draining = undefined;
      }
    })();
    return this.draining;
  }

  /** Claims, counts and confirms one batch of queued rows. */
  async applyBatch(): Promise<BatchResult> {
    const result: BatchResult = { claimed: 0, applied: 0, released: 0, missing: 0, rollups: 0 };
    const { token, rows: claimed } = await this.inbox.claim(
      this.batchSize,
      await this.control.pausedOrganizations(),
    );
    result.claimed = claimed.length;
    if (claimed.length === 0) return result;
    // Fence against a rebuild that started while we claimed: it waits for our live claims, so
    // only rows of organisations it holds *now* must go back uncounted.
    const paused = new Set(await this.control.pausedOrganizations());
    const rows = claimed.filter((r) => !paused.has(r.organizationId));
    const released = claimed.filter((r) => paused.has(r.organizationId)).map((r) => r._id);
    await this.inbox.release(token, released);
    result.released = released.length;

    const { acc, counted, missing } = await this.fold(rows);
    await this.inbox.retryLater(token, missing);
    result.missing = missing.length;
    if (counted.length === 0) return result;
    const leaseEnd = new Date(Math.min(...rows.map((r) => r.claimedUntil.getTime())));
    if (!this.inbox.leaseHolds(leaseEnd, LEASE_MARGIN_MS)) {
      // Too late to count safely: someone may already treat these rows as abandoned.
      await this.inbox.release(token, counted);
      result.released += counted.length;
      return result;
    }
    await this.store.increment(acc.values());
    result.rollups = acc.size;
    // Released and retried rows are no longer held by this batch, so "all it holds" is `counted`.
    result.applied = await this.inbox.markApplied(token);
    return result;
  }

  private async fold(rows: InboxRow[]) {
    const recordRows = rows.filter((r) => r.kind === 'record');
    const toolRows = rows.filter((r) => r.kind === 'tool');
    const [records, tools] = await Promise.all([
      this.sources.costRecordsByIds(recordRows.map((r) => r.sourceId)),
      this.sources.toolCallsByIds(toolRows.map((r) => r.sourceId)),
    ]);
    const details = await this.sources.usageDetails(
      records.filter((r) => r.kind === 'charge').map((r) => r.usageEventId),
    );
    const recordById = new Map(records.map((r) => [r.id, r]));
    const toolById = new Map(tools.map((t) => [t.id, t]));
    const acc = new RollupAccumulator();
    const counted: string[] = [];
    const missing: InboxRow[] = [];
    for (const row of rows) {
      if (row.kind === 'record') {
        const record = recordById.get(row.sourceId);
        if (!record) missing.push(row);
        else {
          for (const f of factsFromCostRecord(record, details.get(record.usageEventId) ?? null)) acc.add(f);
          counted.push(row._id);
        }
      } else {
        const call = toolById.get(row.sourceId);
        if (!call) missing.push(row);
        else {
          acc.add(factFromToolCall(call));
          counted.push(row._id);
        }
      }
    }
    return { acc, counted, missing };
  }

  /**
   * Repairs what died mid-way: a rebuild that was replacing (run again), and batches whose lease
   * ran out before they confirmed (their records' days are rebuilt, since nobody can tell whether
   * their increments landed). Returns how many organisations were repaired.
   */
  async recover(): Promise<number> {
    let repaired = 0;
    for (const hold of await this.control.abandoned()) {
      if (hold.state === 'rebuilding') await this.control.forget(hold);
      else if (await this.tryRebuild(hold._id, hold.range)) repaired += 1;
    }
    const expired = await this.inbox.expiredClaims();
    if (expired.length === 0) return repaired;
    const [records, tools] = await Promise.all([
      this.sources.costRecordsByIds(expired.filter((r) => r.kind === 'record').map((r) => r.sourceId)),
      this.sources.toolCallsByIds(expired.filter((r) => r.kind === 'tool').map((r) => r.sourceId)),
    ]);
    const times = new Map<string, Date>([
      ...records.map((r) => [`record:${r.id}`, r.requestedAt] as const),
      ...tools.map((t) => [`tool:${t.id}`, t.occurredAt] as const),
    ]);
    // Unreadable sources were never counted: back to the queue.
    await this.inbox.requeue(expired.filter((r) => !times.has(r._id)).map((r) => r._id));
    const byOrg = new Map<string, { from: number; to: number }>();
    for (const row of expired) {
      const at = times.get(row._id);
      if (!at) continue;
      const day = dayRange(at);
      const span = byOrg.get(row.organizationId);
      byOrg.set(row.organizationId, {
        from: Math.min(span?.from ?? Infinity, day.from.getTime()),
        to: Math.max(span?.to ?? -Infinity, day.to.getTime()),
      });
    }
    for (const [org, span] of byOrg) {
      if (await this.tryRebuild(org, { from: new Date(span.from), to: new Date(span.to) })) repaired += 1;
    }
    return repaired;
  }

  /** A repair rebuild; another process already repairing the organisation is not an error. */
  private async tryRebuild(organizationId: string, range: TimeRange): Promise<boolean> {
    try {
      await this.rebuilder.rebuild(organizationId, range);
      return true;
    } catch (error) {
      if (isAppError(error) && error.code === 'CONFLICT') return false;
      throw error;
    }
  }

  /**
   * Rebuilds the rollups of every organisation (or one) over whole UTC days covering `range`
   * (default: everything up to tomorrow) from the immutable records. Safe while live events
   * arrive: each organisation is held while it is rebuilt, and events that arrive meanwhile are
   * counted afterwards.
   */
  async rebuild(
    options: {
      organizationId?: string;
      range?: Partial<TimeRange>;
      onProgress?: (records: number) => void;
    } = {},
  ): Promise<RebuildResult> {
    const range = alignToDays({
      from: options.range?.from ?? new Date(0),
      to: options.range?.to ?? new Date(this.clock.now().getTime() + DAY_MS),
    });
    const orgs = options.organizationId ? [options.organizationId] : await this.sources.organizations();
    const total: RebuildResult = {
      organizations: orgs.length,
      costRecords: 0,
      toolCalls: 0,
      rollups: 0,
      range,
    };
    for (const org of orgs) {
      const done = total.costRecords;
      const r = await this.rebuilder.rebuild(org, range, (n) => options.onProgress?.(done + n));
      total.costRecords += r.costRecords;
      total.toolCalls += r.toolCalls;
      total.rollups += r.rollups;
    }
    return total;
  }
}
