/**
 * Restart backoff after consecutive failures: the first restart is immediate (a one-off crash
 * should cost nothing), then 250 ms doubling up to 30 s, so a crash-looping server is not respawned
 * in a tight loop.
 */
export function restartDelayMs(consecutiveFailures: number, baseMs = 250, maxMs = 30_000): number {
  if (consecutiveFailures <= 1) return 0;
  return Math.min(maxMs, baseMs * 2 ** (consecutiveFailures - 2));
}

export { sleep } from '../../shared/sleep';
