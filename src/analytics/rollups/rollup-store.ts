/**
 * The rollups collection: `$inc` updates for live events, a range replacement for rebuilds, and
 * the reads reports are served from. Reads select by organisation, scope, granularity, dimension
 * and time, which one compound index covers; `findCovering` reads a range with the fewest
 * documents (months inside it, days, then hours at its edges), and `rank` reads only the fields a
 * top-N is ordered by.
 */
import type { AnyBulkWriteOperation, Collection, Db, UpdateFilter } from 'mongodb';
import type { RollupDelta } from './facts';
import { deltaOfDoc, incrementsOf, metricsOfDoc, type RollupDoc } from './rollup-document';
import { addMetrics, emptyMetrics, type RollupMetrics } from './metrics';
import {
  bucketStart,
  DAY_MS,
  nextMonth,
  rollupId,
  type Dimension,
  type StoredGranularity,
} from './dimensions';
import { ID_CHUNK, type TimeRange } from './analytics-sources';

export interface RollupQuery {
  organizationId: string;
  scope: string;
  granularity: StoredGranularity;
  dimension: Dimension;
  range: TimeRange;
  keys?: string[];
}

export interface Segment {
  granularity: StoredGranularity;
  range: TimeRange;
}

/**
 * Splits an hour-aligned range into the fewest rollup buckets: whole UTC months inside it (when
 * `months`), whole days, and hours at the edges.
 */
export function coverRange(range: TimeRange, options: { months?: boolean } = {}): Segment[] {
  const out: Segment[] = [];
  const to = range.to.getTime();
  const push = (granularity: StoredGranularity, from: number, end: number) => {
    if (end > from) out.push({ granularity, range: { from: new Date(from), to: new Date(end) } });
  };
  let t = range.from.getTime();
  const floorDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
  const dayAfter = Math.min(to, floorDay(t) === t ? t : floorDay(t) + DAY_MS);
  push('HOUR', t, dayAfter);
  t = dayAfter;
  const lastDay = Math.max(t, floorDay(to));
  if (options.months !== false) {
    const firstMonth =
      bucketStart(new Date(t), 'MONTH').getTime() === t ? t : nextMonth(new Date(t)).getTime();
    if (firstMonth < lastDay) {
      let monthsEnd = firstMonth;
      while (nextMonth(new Date(monthsEnd)).getTime() <= lastDay)
        monthsEnd = nextMonth(new Date(monthsEnd)).getTime();
      if (monthsEnd > firstMonth) {
        push('DAY', t, firstMonth);
        push('MONTH', firstMonth, monthsEnd);
        t = monthsEnd;
      }
    }
  }
  push('DAY', t, lastDay);
  push('HOUR', Math.max(t, lastDay), to);
  return out;
}

/** Fields a ranking needs (cost, then requests). */
const RANKING = { key: 1, costNano: 1, requests: 1 } as const;

/** The documents of one organisation, scope, granularity and dimension (and keys) in some buckets. */
function rollupFilter(query: Omit<RollupQuery, 'range'>, bucketStart: Record<string, unknown>) {
  return {
    organizationId: query.organizationId,
    scope: query.scope,
    granularity: query.granularity,
    dimension: query.dimension,
    bucketStart,
    ...(query.keys ? { key: { $in: query.keys } } : {}),
  };
}

export class RollupStore {
  readonly collection: Collection<RollupDoc>;

  constructor(db: Db) {
    this.collection = db.collection<RollupDoc>('analytics_rollups');
  }

  async ensureIndexes(): Promise<void> {
    await this.collection.createIndex(
      { organizationId: 1, scope: 1, granularity: 1, dimension: 1, bucketStart: 1 },
      { name: 'report' },
    );
    await this.collection.createIndex(
      { organizationId: 1, granularity: 1, bucketStart: 1 },
      { name: 'org_granularity_time' },
    );
  }

  private identity(d: RollupDelta) {
    return {
      organizationId: d.organizationId,
      scope: d.scope,
      granularity: d.granularity,
      bucketStart: d.bucketStart,
      dimension: d.dimension,
      key: d.key,
    };
  }

  /** Adds each delta to its rollup, creating it on first use. */
  async increment(deltas: Iterable<RollupDelta>): Promise<void> {
    const ops: AnyBulkWriteOperation<RollupDoc>[] = [];
    for (const d of deltas) {
      const inc = incrementsOf(d.metrics);
      ops.push({
        updateOne: {
          filter: { _id: d.id },
          // Counter paths are dynamic ("tokens.output", "latencyHistogram.b7"), beyond the driver's typing.
          update: {
            $setOnInsert: this.identity(d),
            ...(Object.keys(inc).length ? { $inc: inc } : {}),
          } as unknown as UpdateFilter<RollupDoc>,
          upsert: true,
        },
      });
    }
    if (ops.length) await this.collection.bulkWrite(ops, { ordered: false });
  }

  /**
   * Replaces every hourly and daily rollup of the organisation whose bucket starts in `range`
   * (whole UTC days) with `deltas`, then recomputes the months of those days from their days.
   * Monthly deltas are ignored: a range need not cover whole months. Returns the documents written.
   */
  async replaceRange(
    organizationId: string,
    range: TimeRange,
    deltas: Iterable<RollupDelta>,
  ): Promise<number> {
    await this.collection.deleteMany({
      organizationId,
      granularity: { $in: ['HOUR', 'DAY'] },
      bucketStart: { $gte: range.from, $lt: range.to },
    });
    const months = new Set<number>();
    let written = await this.write(
      (function* () {
        for (const d of deltas) {
          if (d.granularity === 'MONTH') continue;
          if (d.granularity === 'DAY') months.add(bucketStart(d.bucketStart, 'MONTH').getTime());
          yield d;
        }
      })(),
    );
    // Records are immutable, so a month with days before the rebuild still has days after it.
    for (const m of months) written += await this.refreshMonth(organizationId, new Date(m));
    return written;
  }

  /** Rewrites the organisation's rollups of the month starting at `month` as the sum of its days. */
  private async refreshMonth(organizationId: string, month: Date): Promise<number> {
    const days = this.collection.find({
      organizationId,
      granularity: 'DAY',
      bucketStart: { $gte: month, $lt: nextMonth(month) },
    });
    const sums = new Map<string, RollupDelta>();
    for await (const doc of days) {
      const d = deltaOfDoc(doc);
      const parts = { ...d, granularity: 'MONTH' as const, bucketStart: month };
      const id = rollupId(parts);
      const existing = sums.get(id);
      if (existing) addMetrics(existing.metrics, d.metrics);
      else sums.set(id, { ...parts, id });
    }
    await this.collection.deleteMany({ organizationId, granularity: 'MONTH', bucketStart: month });
    return this.write(sums.values());
  }

  private async write(deltas: Iterable<RollupDelta>): Promise<number> {
    let batch: RollupDelta[] = [];
    let written = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await this.increment(batch);
      written += batch.length;
      batch = [];
    };
    for (const d of deltas) {
      batch.push(d);
      if (batch.length >= 1000) await flush();
    }
    await flush();
    return written;
  }

  async find(query: RollupQuery): Promise<RollupDelta[]> {
    const docs = await this.collection
      .find(rollupFilter(query, { $gte: query.range.from, $lt: query.range.to }))
      .sort({ bucketStart: 1 })
      .toArray();
    return docs.map(deltaOfDoc);
  }

  /** The rollups of the given bucket starts (at one granularity), read in chunks. */
  async findAt(query: Omit<RollupQuery, 'range'>, starts: Date[]): Promise<RollupDelta[]> {
    const out: RollupDelta[] = [];
    for (let i = 0; i < starts.length; i += ID_CHUNK) {
      const docs = await this.collection
        .find(rollupFilter(query, { $in: starts.slice(i, i + ID_CHUNK) }))
        .toArray();
      out.push(...docs.map(deltaOfDoc));
    }
    return out;
  }

  /** The rollups covering `range` with the fewest documents (see `coverRange`). */
  async findCovering(
    query: Omit<RollupQuery, 'granularity'>,
    options: { months?: boolean } = {},
  ): Promise<RollupDelta[]> {
    const parts = await Promise.all(
      coverRange(query.range, options).map((s) => this.find({ ...query, ...s })),
    );
    return parts.flat();
  }

  /** Sums per key over `range`, reading only what a ranking needs (cost and requests). */
  async rank(query: Omit<RollupQuery, 'granularity' | 'keys'>): Promise<Map<string, RollupMetrics>> {
    const byKey = new Map<string, RollupMetrics>();
    for (const s of coverRange(query.range)) {
      const docs = this.collection.find(
        {
          organizationId: query.organizationId,
          scope: query.scope,
          granularity: s.granularity,
          dimension: query.dimension,
          bucketStart: { $gte: s.range.from, $lt: s.range.to },
        },
        { projection: RANKING },
      );
      for await (const doc of docs) {
        const m = metricsOfDoc(doc);
        const total = byKey.get(doc.key) ?? emptyMetrics();
        total.costNano += m.costNano;
        total.requests += m.requests;
        byKey.set(doc.key, total);
      }
    }
    return byKey;
  }

  /** Every stored rollup of the organisation, for comparisons (rebuild vs incremental). */
  async all(organizationId: string): Promise<RollupDelta[]> {
    const docs = await this.collection.find({ organizationId }).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ ...deltaOfDoc(d), metrics: metricsOfDoc(d) }));
  }
}
