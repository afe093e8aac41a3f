/**
 * The shared rate limit against the real database, with several limiter instances standing for
 * several API processes: together they never admit more than the limit, and a small limit is
 * exact for a single process.
 */
import { MongoRateLimiter, blockSize } from '../../src/server/rate-limiter';
import { FakeClock } from '../../src/shared/clock';
import { startTestDatabase } from '../helpers/db';
import type { DatabaseHandle } from '../../src/db/chain';
import { MongoClient, type Db } from 'mongodb';

let handle: DatabaseHandle;
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  handle = await startTestDatabase();
  client = await MongoClient.connect(handle.uri);
  db = client.db();
});
afterAll(async () => {
  await client?.close();
  await handle?.stop();
});

/**
 * A fake clock `offsetSeconds` into a minute an hour from now. The windows' `expiresAt` follows the
 * fake clock while the database's TTL monitor follows the real one: a fixed past date let the
 * monitor delete a window mid-test and the limiters start counting again.
 */
function clockInFutureMinute(offsetSeconds: number): FakeClock {
  const minute = Math.floor((Date.now() + 3_600_000) / 60_000) * 60_000;
  return new FakeClock(new Date(minute + offsetSeconds * 1000));
}

async function admitted(limiters: MongoRateLimiter[], key: string, attempts: number) {
  const outcomes = await Promise.all(
    Array.from({ length: attempts }, (_, i) =>
      limiters[i % limiters.length]!.consume(key).then(
        () => 'ok',
        (error: { code?: string }) => error.code,
      ),
    ),
  );
  return {
    ok: outcomes.filter((o) => o === 'ok').length,
    limited: outcomes.filter((o) => o === 'RATE_LIMITED').length,
  };
}

it('claims permits in blocks of about 2% of the limit, between 1 and 20', () => {
  expect([5, 49, 50, 600, 10_000].map(blockSize)).toEqual([1, 1, 1, 12, 20]);
});

it('never admits more than the limit across processes, and admits nearly all of it', async () => {
  const clock = clockInFutureMinute(10);
  const processes = [1, 2, 3].map(() => new MongoRateLimiter(db, { perMinute: 600, clock }));
  const { ok, limited } = await admitted(processes, 'key-a', 700);
  expect(ok).toBeLessThanOrEqual(600);
  // At most one unfinished block per process is lost.
  expect(ok).toBeGreaterThanOrEqual(600 - 3 * (blockSize(600) - 1));
  expect(ok + limited).toBe(700);
  // A round trip per block, not per operation.
  const windowStart = clock.now().getTime() - 10_000;
  const window = await db.collection('rate_limits').findOne({ _id: `key-a:${windowStart}` as never });
  expect(window?.count).toBeLessThanOrEqual(700 + 3 * blockSize(600));
});

it('is exact for a small limit, counts keys apart, and starts afresh in the next window', async () => {
  const clock = clockInFutureMinute(0);
  const limiter = new MongoRateLimiter(db, { perMinute: 5, clock });
  expect(await admitted([limiter], 'key-b', 7)).toEqual({ ok: 5, limited: 2 });
  expect(await admitted([limiter], 'key-c', 1)).toEqual({ ok: 1, limited: 0 });
  await expect(limiter.consume('key-b')).rejects.toMatchObject({
    code: 'RATE_LIMITED',
    details: { limit: 5, retryAfterSeconds: 60 },
  });
  clock.advance(60_000);
  expect(await admitted([limiter], 'key-b', 5)).toEqual({ ok: 5, limited: 0 });
});

it('does nothing when the limit is 0', async () => {
  const limiter = new MongoRateLimiter(db, { perMinute: 0, clock: new FakeClock() });
  await limiter.consume('key-d');
  expect(await db.collection('rate_limits').countDocuments({ _id: /^key-d/ as never })).toBe(0);
});
