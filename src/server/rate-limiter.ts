/**
 * Per-API-key rate limit: a fixed one-minute window counted in MongoDB, so every
 * API process shares the same count. One atomic upsert per operation; old windows
 * expire through a TTL index.
 */
import type { Collection, Db } from 'mongodb';
import { AppError } from '../shared/errors';
import type { Clock } from '../shared/clock';

export interface RateLimiter {
  /** Counts one operation for `key`; throws RATE_LIMITED when over the limit. */
  consume(key: string): Promise<void>;
}

interface Window {
  _id: string;
  count: number;
  expiresAt: Date;
}

const WINDOW_MS = 60_000;

export class MongoRateLimiter implements RateLimiter {
  private readonly collection: Collection<Window>;
  private indexes: Promise<unknown> | undefined;

  constructor(
    db: Db,
    private readonly options: { perMinute: number; clock: Clock },
  ) {
    this.collection = db.collection<Window>('rate_limits');
  }

  async consume(key: string): Promise<void> {
    if (this.options.perMinute <= 0) return;
    this.indexes ??= this.collection
      .createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 })
      .catch(() => undefined);
    const now = this.options.clock.now().getTime();
    const windowStart = now - (now % WINDOW_MS);
    const window = await this.collection.findOneAndUpdate(
      { _id: `${key}:${windowStart}` },
      { $inc: { count: 1 }, $setOnInsert: { expiresAt: new Date(windowStart + 2 * WINDOW_MS) } },
      { upsert: true, returnDocument: 'after' },
    );
    const count = window?.count ?? 1;
    if (count > this.options.perMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
      throw new AppError(
        'RATE_LIMITED',
        `Rate limit of ${this.options.perMinute} requests per minute for this API key exceeded. Retry in ${retryAfterSeconds} s.`,
        { details: { limit: this.options.perMinute, retryAfterSeconds } },
      );
    }
  }
}
