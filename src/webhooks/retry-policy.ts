/**
 * When a failed attempt is tried again. Network errors, timeouts, 5xx and 429 are worth
 * another try; any other answer (4xx, 3xx: we do not follow redirects) will fail the same
 * way, so it ends the delivery at once. Delays double from `baseDelayMs` up to
 * `maxDelayMs`; a Retry-After header (seconds or an HTTP date) is honoured when longer,
 * still capped by `maxDelayMs` so one endpoint cannot park a delivery for days.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** What one attempt came to, as far as retrying is concerned. */
export interface AttemptResult {
  ok: boolean;
  /** null when no response arrived (network error, timeout). */
  httpStatus: number | null;
  /** From the Retry-After header, when the response had a usable one. */
  retryAfterMs: number | null;
}

export function isRetryable(result: AttemptResult): boolean {
  if (result.ok) return false;
  const status = result.httpStatus;
  return status === null || status >= 500 || status === 429;
}

export function backoffDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** Delay before the next attempt, or null when the delivery is over (success, permanent failure, out of attempts). */
export function nextDelayMs(policy: RetryPolicy, attempt: number, result: AttemptResult): number | null {
  if (!isRetryable(result) || attempt >= policy.maxAttempts) return null;
  const backoff = backoffDelayMs(policy, attempt);
  return Math.min(policy.maxDelayMs, Math.max(backoff, result.retryAfterMs ?? 0));
}

/** Retry-After is either delay-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}
