/**
 * Keeps the usage rollups: applies each cost record and tool call once (live, from events) and
 * rebuilds them from the immutable records. Exactly-once per source record uses a ledger:
 *   1. insert ledger entry {state: 'applying'} (unique id: a second delivery sees it);
 *   2. `$inc` the rollups;
 *   3. mark the entry 'applied'.
 * A delivery that finds 'applied' does nothing. One that finds 'applying' knows an earlier attempt
 * died between 1 and 3, cannot tell whether its `$inc` landed, and so rebuilds that organisation's
 * affected UTC day from the records: correct either way. A rebuild marks every record it read as
 * applied, so events still queued for those records do not count them twice.
 * Known limit: a rebuild running while live events for the same range are applied can miss or
 * double them (no transactions on every database tier); run `ai analytics rebuild` with workers
 * paused, or rebuild a closed range.
 */
import type { Collection, Db } from 'mongodb';
import type { Clock } from '../../shared/clock';
import { RollupAccumulator } from './accumulator';
import type { AnalyticsSources, TimeRange } from './analytics-sources';
import { DAY_MS } from './dimensions';
import { factDeltas } from './facts';
import { factFromToolCall, factsFromCostRecord, type ToolCallRecord } from './record-facts';
import { RollupStore } from './rollup-store';

interface LedgerDoc {
  _id: string;
  state: 'applying' | 'applied';
  at: Date;
}

export type ApplyOutcome = 'applied' | 'skipped' | 'repaired' | 'missing';

export interface RebuildResult {
  organizations: number;
  costRecords: number;
  toolCalls: number;
  rollups: number;
  range: TimeRange;
}

const isDuplicateKey = (e: unknown) => (e as { code?: number }).code === 11000;

export function dayRange(at: Date): TimeRange {
  const from = new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

export class RollupService {
  readonly store: RollupStore;
  private readonly ledger: Collection<LedgerDoc>;

  constructor(
    db: Db,
    private readonly sources: AnalyticsSources,
    private readonly clock: Clock,
  ) {
    this.store = new RollupStore(db);
    this.ledger = db.collection<LedgerDoc>('analytics_ledger');
  }

  async ensureIndexes(): Promise<void> {
    await this.store.ensureIndexes();
  }

  /** Applies one cost record (from `CostCalculated`). */
  async applyCostRecord(usageEventId: string, costRecordId: string): Promise<ApplyOutcome> {
    const record = await this.sources.costRecord(usageEventId, costRecordId);
    if (!record) return 'missing';
    const usageEvent = record.kind === 'charge' ? await this.sources.usageEvent(record.usageEventId) : null;
    return this.applyOnce(`record:${record.id}`, record.organizationId, record.requestedAt, () =>
      this.store.increment(factsFromCostRecord(record, usageEvent).flatMap(factDeltas)),
    );
  }

  /** Records and applies one tool call (from `MCPToolExecuted`). */
  async applyToolCall(call: ToolCallRecord): Promise<ApplyOutcome> {
    await this.sources.saveToolCall(call);
    return this.applyOnce(`tool:${call.id}`, call.dims.organizationId, call.occurredAt, () =>
      this.store.increment(factDeltas(factFromToolCall(call))),
    );
  }

  private async applyOnce(
    ledgerId: string,
    organizationId: string,
    at: Date,
    apply: () => Promise<void>,
  ): Promise<ApplyOutcome> {
    try {
      await this.ledger.insertOne({ _id: ledgerId, state: 'applying', at: this.clock.now() });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.ledger.findOne({ _id: ledgerId });
      if (existing?.state === 'applied') return 'skipped';
      await this.rebuildOrganization(organizationId, dayRange(at));
      return 'repaired';
    }
    await apply();
    await this.ledger.updateOne({ _id: ledgerId }, { $set: { state: 'applied', at: this.clock.now() } });
    return 'applied';
  }

  /**
   * Rebuilds the rollups of every organisation (or one) over whole UTC days covering `range`
   * (default: everything up to tomorrow) from the immutable records.
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
      const r = await this.rebuildOrganization(org, range, (n) =>
        options.onProgress?.(total.costRecords + n),
      );
      total.costRecords += r.costRecords;
      total.toolCalls += r.toolCalls;
      total.rollups += r.rollups;
    }
    return total;
  }

  private async rebuildOrganization(
    organizationId: string,
    range: TimeRange,
    onProgress?: (n: number) => void,
  ) {
    const acc = new RollupAccumulator();
    let costRecords = 0;
    let toolCalls = 0;
    const applied: string[] = [];
    for await (const page of this.sources.costRecords(organizationId, range)) {
      const failed = await this.sources.failedUsageEvents(
        page.filter((r) => r.kind === 'charge').map((r) => r.usageEventId),
      );
      for (const record of page) {
        const outcome = { outcome: failed.has(record.usageEventId) ? 'failed' : 'succeeded' } as const;
        for (const fact of factsFromCostRecord(record, outcome)) acc.add(fact);
        applied.push(`record:${record.id}`);
      }
      costRecords += page.length;
      onProgress?.(costRecords);
      if (applied.length >= 5000) await this.markApplied(applied.splice(0));
    }
    for await (const call of this.sources.toolCalls(organizationId, range)) {
      acc.add(factFromToolCall(call));
      applied.push(`tool:${call.id}`);
      toolCalls += 1;
    }
    const rollups = await this.store.replaceRange(organizationId, range, acc.values());
    await this.markApplied(applied);
    return { costRecords, toolCalls, rollups };
  }

  private async markApplied(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const at = this.clock.now();
    await this.ledger.bulkWrite(
      ids.map((id) => ({
        updateOne: { filter: { _id: id }, update: { $set: { state: 'applied' as const, at } }, upsert: true },
      })),
      { ordered: false },
    );
  }
}

export function alignToDays(range: TimeRange): TimeRange {
  const from = Math.floor(range.from.getTime() / DAY_MS) * DAY_MS;
  const to = Math.ceil(range.to.getTime() / DAY_MS) * DAY_MS;
  return { from: new Date(from), to: new Date(Math.max(to, from + DAY_MS)) };
}
