/**
 * The domain-event bus. `dispatch` validates the event, durably hands it to every
 * queued listener (one agenda job per listener, or one outbox row for hot events),
 * then runs inline listeners in registration order. It resolves once the event is
 * safe: queued work survives a crash from that point on.
 */
import type { Logger } from '../shared/logger';
import { AppError } from '../shared/errors';
import { eventCatalog, type EventName } from './catalog';
import type { DomainEvent } from './event';
import { parseStoredEvent, serializeEvent, wasCreatedValid } from './event';
import { defaultRetryPolicy, listenerKey, type ListenerOptions, type RegisteredListener } from './listener';

export interface EventBus {
  dispatch(event: DomainEvent): Promise<void>;
  listen<N extends EventName>(options: ListenerOptions<N>): void;
}

/** Where queued listeners' work goes: agenda jobs or the outbox. */
export interface QueuedDelivery {
  register(listener: RegisteredListener): void;
  enqueue(event: DomainEvent, listeners: RegisteredListener[]): Promise<void>;
}

export interface EventBusDeps {
  logger: Logger;
  /** Per-event agenda jobs. Without it queued listeners are refused. */
  jobs?: QueuedDelivery;
  /** The outbox for hot events. */
  outbox?: QueuedDelivery;
}

export class DomainEventBus implements EventBus {
  private readonly listeners = new Map<EventName, RegisteredListener[]>();

  constructor(private readonly deps: EventBusDeps) {}

  listen<N extends EventName>(options: ListenerOptions<N>): void {
    if (!(options.event in eventCatalog)) {
      throw new AppError('BAD_USER_INPUT', `Unknown event "${String(options.event)}"`);
    }
    if (!/^[A-Za-z][\w-]{0,63}$/.test(options.name)) {
      throw new AppError(
        'BAD_USER_INPUT',
        `Listener name "${options.name}" must be 1-64 letters, digits, "_" or "-"`,
      );
    }
    const existing = this.listeners.get(options.event) ?? [];
    if (existing.some((l) => l.name === options.name)) {
      throw new AppError(
        'CONFLICT',
        `A listener named "${options.name}" already listens to ${options.event}`,
      );
    }
    const listener: RegisteredListener = {
      event: options.event,
      name: options.name,
      mode: options.mode,
      handle: options.handle as RegisteredListener['handle'],
      handleBatch: options.handleBatch as RegisteredListener['handleBatch'],
      retry: { ...defaultRetryPolicy, ...options.retry },
      concurrency: options.concurrency ?? 5,
      selfIdempotent: options.selfIdempotent ?? false,
    };
    if (listener.mode === 'queued') this.deliveryFor(listener.event).register(listener);
    this.listeners.set(options.event, [...existing, listener]);
  }

  async dispatch(event: DomainEvent): Promise<void> {
    // Re-validate what `createEvent` did not make: events built by hand or read back from storage.
    // (Validating twice cost a noticeable share of the request path's CPU for ResponseGenerated.)
    const valid = wasCreatedValid(event) ? event : parseStoredEvent(serializeEvent(event));
    const all = this.listeners.get(valid.name) ?? [];
    const queued = all.filter((l) => l.mode === 'queued');
    if (queued.length > 0) await this.deliveryFor(valid.name).enqueue(valid, queued);
    for (const listener of all.filter((l) => l.mode === 'inline')) {
      await listener.handle(valid, {
        idempotencyKey: `${listener.name}:${valid.id}`,
        attempt: 1,
        logger: this.deps.logger.child({ listener: listenerKey(listener), eventId: valid.id }),
      });
    }
  }

  /** The listeners registered for an event (for diagnostics and tests). */
  listenersOf(event: EventName): readonly RegisteredListener[] {
    return this.listeners.get(event) ?? [];
  }

  private deliveryFor(event: EventName): QueuedDelivery {
    const delivery = eventCatalog[event].delivery === 'outbox' ? this.deps.outbox : this.deps.jobs;
    if (!delivery) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `Queued listeners for ${event} need the job queue, which is not configured`,
      );
    }
    return delivery;
  }
}
