/**
 * Persistence: closed time buckets of every series, one document per (bucket,
 * component, subject, instance), so trends survive restarts and several processes
 * never overwrite each other. Written idempotently (upsert by id); removed by a TTL
 * index after the configured retention.
 */
import type { Collection, Db } from 'mongodb';
import type { Component } from './components';
import type { SeriesStats } from './sample-window';

export interface MetricBucket extends Omit<SeriesStats, 'errorsByCode'> {
  bucketStart: Date;
  bucketMs: number;
  instance: string;
  errorsByCode: Record<string, number>;
}

interface BucketDoc extends MetricBucket {
  _id: string;
  expiresAt: Date;
}

export interface TrendPoint {
  bucketStart: Date;
  component: Component;
  subject: string;
  count: number;
  errors: number;
  /** The worst p95 among the instances' buckets (percentiles do not add). */
  p95Ms: number;
  maxMs: number;
  meanMs: number;
}

export class BucketStore {
  private readonly buckets: Collection<BucketDoc>;

  constructor(
    db: Db,
    private readonly retentionMs: number,
  ) {
    this.buckets = db.collection<BucketDoc>('performance_buckets');
  }

  async ensureIndexes(): Promise<void> {
    await this.buckets.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    await this.buckets.createIndex({ component: 1, bucketStart: 1 });
  }

  async write(buckets: MetricBucket[]): Promise<void> {
    if (buckets.length === 0) return;
    await this.buckets.bulkWrite(
      buckets.map((b) => {
        const _id = `${b.bucketStart.toISOString()}|${b.component}|${b.subject}|${b.instance}`;
        const doc: BucketDoc = { _id, ...b, expiresAt: new Date(b.bucketStart.getTime() + this.retentionMs) };
        return { replaceOne: { filter: { _id }, replacement: doc, upsert: true } };
      }),
      { ordered: false },
    );
  }

  /** Per bucket and series, merged across instances. */
  async trend(from: Date, to: Date, component?: Component): Promise<TrendPoint[]> {
    const docs = await this.buckets
      .find({ bucketStart: { $gte: from, $lt: to }, ...(component ? { component } : {}) })
      .sort({ bucketStart: 1 })
      .toArray();
    const merged = new Map<string, TrendPoint & { totalMs: number }>();
    for (const d of docs) {
      const key = `${d.bucketStart.toISOString()}|${d.component}|${d.subject}`;
      const m = merged.get(key);
      if (!m) {
        merged.set(key, {
          bucketStart: d.bucketStart,
          component: d.component,
          subject: d.subject,
          count: d.count,
          errors: d.errors,
          p95Ms: d.p95Ms,
          maxMs: d.maxMs,
          totalMs: d.totalMs,
          meanMs: 0,
        });
      } else {
        m.count += d.count;
        m.errors += d.errors;
        m.p95Ms = Math.max(m.p95Ms, d.p95Ms);
        m.maxMs = Math.max(m.maxMs, d.maxMs);
        m.totalMs += d.totalMs;
      }
    }
    return [...merged.values()].map(({ totalMs, ...p }) => ({
      ...p,
      meanMs: p.count ? totalMs / p.count : 0,
    }));
  }
}
