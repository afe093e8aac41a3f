/**
 * A stream whose consumer can stop it at once. graphql-ws (a `complete` message, a closed socket)
 * and Yoga's SSE (a dropped connection) stop a subscription by calling `return()` on its iterator,
 * but an async generator only acts on `return()` when it next reaches a `yield`: while it awaits a
 * silent provider, the provider call (and its budget hold) would run on until the next chunk. This
 * wrapper aborts the generator's signal the moment `return()` or `throw()` is called, so the
 * provider call ends now and the generator finishes (recording what was consumed) on its own.
 */
/** An async iterator that can always be stopped (`return()`, `throw()`), like a generator. */
export type AbortableStream<T> = AsyncIterableIterator<T> &
  Required<Pick<AsyncIterator<T>, 'return' | 'throw'>>;

export function abortableStream<T>(
  start: (signal: AbortSignal) => AsyncGenerator<T, void>,
  options: {
    /** Stopped before its first `next()`: the generator never ran, so nothing of it will clean up. */
    onStoppedUnstarted?: () => Promise<void>;
  } = {},
): AbortableStream<T> {
  const stop = new AbortController();
  const generator = start(stop.signal);
  let started = false;
  const stopNow = async () => {
    stop.abort(new DOMException('the subscriber went away', 'AbortError'));
    if (!started) {
      started = true;
      await options.onStoppedUnstarted?.();
    }
  };
  return {
    next() {
      started = true;
      return generator.next();
    },
    async return(value?: unknown) {
      await stopNow();
      // Queued behind a pending next(): resolves once the generator has finished its cleanup.
      return generator.return(value as never);
    },
    async throw(error?: unknown) {
      await stopNow();
      return generator.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
