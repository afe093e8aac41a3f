/**
 * Per-API-key rate limit: a fixed one-minute window counted in MongoDB, so every API process
 * shares the same count; old windows expire through a TTL index.
 *
 * A process does not pay a database round trip per operation: it claims permits from the shared
 * counter in blocks (up to MAX_BLOCK, about 2% of the limit) and spends them locally. A claim that
 * crosses the limit is granted only the part below it, so all processes together never admit more
 * than the limit. The price is the other way: permits a process claimed but did not use before the
 * window ends are lost, so with several processes serving one key a few operations per process
 * may be refused just below the limit.
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
const MAX_BLOCK = 20;
const MAX_TRACKED_KEYS = 10_000;

/** Permits claimed per round trip: 1 for small limits, about 2% of larger ones, at most MAX_BLOCK. */
export function blockSize(perMinute: number): number {
  return Math.max(1, Math.min(MAX_BLOCK, Math.floor(perMinute / 50)));
}

export class MongoRateLimiter implements RateLimiter {
  private readonly collection: Collection<Window>;
  private indexes: Promise<unknown> | undefined;
  /** Permits this process holds for each key in the current window; `spent`: the window is full. */
  private readonly held = new Map<string, { windowStart: number; permits: number; spent: boolean }>();
  /** Claims in flight, so concurrent operations on one key share a round trip. */
  private readonly claims = new Map<string, Promise<void>>();

  constructor(
    db: Db,
    private readonly options: { perMinute: number; clock: Clock },
  ) {
    this.collection = db.collection<Window>('rate_limits');
  }

  async consume(key: string): Promise<void> {
    const { perMinute } = this.options;
    if (perMinute <= 0) return;
    for (;;) {
      const now = this.options.clock.now().getTime();
      const windowStart = now - (now % WINDOW_MS);
      const held = this.held.get(key);
      const current = held?.windowStart === windowStart ? held : undefined;
      if (current && current.permits > 0) {
        current.permits -= 1;
        return;
      }
      if (current?.spent) {
        const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
        throw new AppError(
          'RATE_LIMITED',
          `Rate limit of ${perMinute} requests per minute for this API key exceeded. Retry in ${retryAfterSeconds} s.`,
          { details: { limit: perMinute, retryAfterSeconds } },
        );
      }
      let claim = this.claims.get(key);
      if (!claim) {
        claim = this.claim(key, windowStart).finally(() => this.claims.delete(key));
        this.claims.set(key, claim);
      }
      await claim;
    }
  }

  /** Claims a block from the shared counter and adds the part of it under the limit to `held`. */
  private async claim(key: string, windowStart: number): Promise<void> {
    this.indexes ??= this.collection
      .createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 })
      .catch(() => undefined);
    const block = blockSize(this.options.perMinute);
    const window = await this.collection.findOneAndUpdate(
      { _id: `${key}:${windowStart}` },
      { $inc: { count: block }, $setOnInsert: { expiresAt: new Date(windowStart + 2 * WINDOW_MS) } },
      { upsert: true, returnDocument: 'after' },
    );
    const before = (window?.count ?? block) - block;
    const granted = Math.max(0, Math.min(block, this.options.perMinute - before));
    const held = this.held.get(key);
    if (held?.windowStart === windowStart) {
      held.permits += granted;
      held.spent ||= granted < block;
      return;
    }
    if (this.held.size >= MAX_TRACKED_KEYS) this.held.clear();
    this.held.set(key, { windowStart, permits: granted, spent: granted < block });
  }
}
