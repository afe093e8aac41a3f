/**
 * The rollups collection: `$inc` updates for live events, a range replacement for rebuilds, and
 * the reads reports are served from. Reads select by organisation, scope, granularity, dimension
 * and time, which one compound index covers.
 */
import type { AnyBulkWriteOperation, Collection, Db, UpdateFilter } from 'mongodb';
import type { RollupDelta } from './facts';
import { deltaOfDoc, incrementsOf, metricsOfDoc, type RollupDoc } from './rollup-document';
import type { Dimension, Granularity } from './dimensions';
import type { TimeRange } from './analytics-sources';

export interface RollupQuery {
  organizationId: string;
  scope: string;
  granularity: Granularity;
  dimension: Dimension;
  range: TimeRange;
  keys?: string[];
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

  /** Replaces every rollup of the organisation whose bucket starts in `range` with `deltas`. */
  async replaceRange(
    organizationId: string,
    range: TimeRange,
    deltas: Iterable<RollupDelta>,
  ): Promise<number> {
    await this.collection.deleteMany({ organizationId, bucketStart: { $gte: range.from, $lt: range.to } });
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
      .find({
        organizationId: query.organizationId,
        scope: query.scope,
        granularity: query.granularity,
        dimension: query.dimension,
        bucketStart: { $gte: query.range.from, $lt: query.range.to },
        ...(query.keys ? { key: { $in: query.keys } } : {}),
      })
      .sort({ bucketStart: 1 })
      .toArray();
    return docs.map(deltaOfDoc);
  }

  /** Every stored rollup of the organisation, for comparisons (rebuild vs incremental). */
  async all(organizationId: string): Promise<RollupDelta[]> {
    const docs = await this.collection.find({ organizationId }).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({ ...deltaOfDoc(d), metrics: metricsOfDoc(d) }));
  }
}
