import { backoffDelayMs, isRetryable, nextDelayMs, parseRetryAfter, type RetryPolicy } from './retry-policy';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 10_000 };
const failed = (httpStatus: number | null, retryAfterMs: number | null = null) => ({
  ok: false,
  httpStatus,
  retryAfterMs,
});

describe('retry policy', () => {
  it('retries network errors, 5xx and 429, and nothing else', () => {
    expect([null, 500, 503, 599, 429].map((s) => isRetryable(failed(s)))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect([400, 401, 404, 410, 422, 301].map((s) => isRetryable(failed(s)))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(isRetryable({ ok: true, httpStatus: 200, retryAfterMs: null })).toBe(false);
  });

  it('doubles the delay from the base up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(policy, a))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('stops at the last attempt and on permanent failures', () => {
    expect(nextDelayMs(policy, 4, failed(500))).toBe(8000);
    expect(nextDelayMs(policy, 5, failed(500))).toBeNull();
    expect(nextDelayMs(policy, 1, failed(404))).toBeNull();
    expect(nextDelayMs(policy, 1, { ok: true, httpStatus: 204, retryAfterMs: null })).toBeNull();
  });

  it('honours a longer Retry-After, within the cap', () => {
    expect(nextDelayMs(policy, 1, failed(429, 5000))).toBe(5000);
    expect(nextDelayMs(policy, 1, failed(429, 500))).toBe(1000);
    expect(nextDelayMs(policy, 1, failed(503, 3_600_000))).toBe(10_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
