/**
 * What a listener is. Inline listeners run inside `dispatch` (same request, same
 * failure). Queued listeners run later in a worker, at least once: they receive an
 * `idempotencyKey` (stable per event and listener) and must make their writes
 * idempotent with it, e.g. a unique index or an upsert keyed by it. The bus adds a
 * receipt after a successful run, so a completed listener is never run again.
 */
import type { Logger } from '../shared/logger';
import type { EventName } from './catalog';
import type { DomainEvent } from './event';

export interface ListenerContext {
  /** `<listener>:<event id>`: the same on every attempt of this listener for this event. */
  idempotencyKey: string;
  /** 1 on the first run, 2 on the first retry, ... */
  attempt: number;
  logger: Logger;
}

export interface RetryPolicy {
  /** Retries after the first failure (0 = run once). */
  maxRetries: number;
  /** Delay before the first retry; doubles on every retry. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxRetries: 5, initialDelayMs: 1000, maxDelayMs: 60_000 };

/** What a batch handler gets besides the events: the highest attempt among them and a logger. */
export interface BatchListenerContext {
  attempt: number;
  logger: Logger;
}

export interface ListenerOptions<N extends EventName> {
  event: N;
  /** Unique per event; part of the job name and the idempotency key, so keep it stable. */
  name: string;
  mode: 'inline' | 'queued';
  handle(event: DomainEvent<N>, context: ListenerContext): Promise<void> | void;
  /**
   * Queued outbox listeners only: handles many events in one call (one read, one write for the
   * batch instead of one per event). It must be idempotent per event, like `handle`. If it
   * throws, the drain falls back to `handle` event by event, so one bad event cannot hold back
   * the others and retries stay per event.
   */
  handleBatch?(events: DomainEvent<N>[], context: BatchListenerContext): Promise<void>;
  /** Queued only. */
  retry?: Partial<RetryPolicy>;
  /** Queued only: concurrent runs of this listener per worker process. */
  concurrency?: number;
  /**
   * Batch listeners only: the handler is idempotent by itself (e.g. writes keyed by the event),
   * so the outbox skips the receipt read and write around its batches: a replayed event runs
   * again and changes nothing. Single-event runs (the fallback after a failed batch) keep them.
   */
  selfIdempotent?: boolean;
}

export interface RegisteredListener {
  event: EventName;
  name: string;
  mode: 'inline' | 'queued';
  handle(event: DomainEvent, context: ListenerContext): Promise<void> | void;
  handleBatch?(events: DomainEvent[], context: BatchListenerContext): Promise<void>;
  retry: RetryPolicy;
  concurrency: number;
  selfIdempotent: boolean;
}

export function backoffDelay(policy: RetryPolicy, attempt: number): number | null {
  if (attempt > policy.maxRetries) return null;
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
}

export function listenerKey(listener: { event: EventName; name: string }): string {
  return `${listener.event}.${listener.name}`;
}
