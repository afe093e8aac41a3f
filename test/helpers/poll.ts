/**
 * Polling for what a background job or another process makes true: reads until `done` accepts
 * the value or the time is up, and returns the last value read, so the caller's assertion on it
 * says what was missing.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
