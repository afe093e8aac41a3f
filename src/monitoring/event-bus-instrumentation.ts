/**
 * Events: wraps an EventBus so every listener registered through it is timed. Two
 * numbers per (event, listener): dispatch latency (the event's `occurredAt` to the
 * listener's start — for queued listeners that includes the queue wait) and the
 * listener's own duration. The bus itself is untouched; only handlers are wrapped.
 */
import type { EventBus } from '../events/bus';
import type { EventName } from '../events/catalog';
import type { ListenerOptions } from '../events/listener';
import type { Instruments } from './instruments';

export function instrumentEventBus(bus: EventBus, instruments: Instruments): EventBus {
  return {
    dispatch: (event) => bus.dispatch(event),
    listen<N extends EventName>(options: ListenerOptions<N>): void {
      const subject = `${options.event}.${options.name}`;
      bus.listen({
        ...options,
        handle: (event, context) => {
          const waited = instruments.clock.now().getTime() - new Date(event.occurredAt).getTime();
          instruments.record('event_dispatch', subject, Math.max(0, waited));
          return instruments.time('listener', subject, () => options.handle(event, context));
        },
      });
    },
  };
}
