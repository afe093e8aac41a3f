/**
 * A recording event bus for tests, in the spirit of Laravel's `Event::fake()`:
 * dispatched events are validated (same rules as the real bus) and recorded, no
 * listener runs unless `passThrough` is given, and assertions read like the spec.
 *
 *   const events = fakeEvents();
 *   const app = await startTestApp({ events });
 *   ...
 *   events.assertDispatched('ResponseGenerated', (e) => e.payload.model === 'gpt-4o');
 *   events.assertDispatchedTimes('CostCalculated', 1);
 *   events.assertNotDispatched('BudgetExceeded');
 */
import type { EventBus } from '../../src/events/bus';
import type { EventName } from '../../src/events/catalog';
import { parseStoredEvent, serializeEvent, type DomainEvent } from '../../src/events/event';
import type { ListenerOptions } from '../../src/events/listener';

export interface FakeEventBus extends EventBus {
  readonly events: DomainEvent[];
  dispatched<N extends EventName>(name: N, predicate?: (event: DomainEvent<N>) => boolean): DomainEvent<N>[];
  assertDispatched<N extends EventName>(
    name: N,
    predicate?: (event: DomainEvent<N>) => boolean,
  ): DomainEvent<N>;
  assertDispatchedTimes<N extends EventName>(
    name: N,
    times: number,
    predicate?: (event: DomainEvent<N>) => boolean,
  ): void;
  assertNotDispatched<N extends EventName>(name: N, predicate?: (event: DomainEvent<N>) => boolean): void;
  assertNothingDispatched(): void;
  /** Waits until a matching event was dispatched (for work that dispatches asynchronously). */
  waitFor<N extends EventName>(
    name: N,
    predicate?: (event: DomainEvent<N>) => boolean,
    timeoutMs?: number,
  ): Promise<DomainEvent<N>>;
  /** Names of the listeners registered through this bus. */
  readonly listeners: { event: EventName; name: string; mode: string }[];
  clear(): void;
}

export function fakeEvents(options: { passThrough?: EventBus } = {}): FakeEventBus {
  const events: DomainEvent[] = [];
  const listeners: { event: EventName; name: string; mode: string }[] = [];
  const waiters: (() => void)[] = [];
  const matching = <N extends EventName>(name: N, predicate?: (event: DomainEvent<N>) => boolean) =>
    events.filter(
      (e): e is DomainEvent<N> => e.name === name && (!predicate || predicate(e as DomainEvent<N>)),
    );
  const summary = () => (events.length ? events.map((e) => e.name).join(', ') : 'nothing');

  return {
    events,
    listeners,
    async dispatch(event) {
      const valid = parseStoredEvent(serializeEvent(event));
      events.push(valid);
      for (const wake of waiters.splice(0)) wake();
      await options.passThrough?.dispatch(valid);
    },
    listen<N extends EventName>(listener: ListenerOptions<N>) {
      listeners.push({ event: listener.event, name: listener.name, mode: listener.mode });
      options.passThrough?.listen(listener);
    },
    dispatched: matching,
    assertDispatched(name, predicate) {
      const found = matching(name, predicate);
      if (found.length === 0)
        throw new Error(
          `Expected ${name} to be dispatched${predicate ? ' (matching the predicate)' : ''}; dispatched: ${summary()}`,
        );
      return found[0]!;
    },
    assertDispatchedTimes(name, times, predicate) {
      const count = matching(name, predicate).length;
      if (count !== times)
        throw new Error(
          `Expected ${name} to be dispatched ${times} time(s), was ${count}; dispatched: ${summary()}`,
        );
    },
    assertNotDispatched(name, predicate) {
      const count = matching(name, predicate).length;
      if (count > 0) throw new Error(`Expected ${name} not to be dispatched, was ${count} time(s)`);
    },
    assertNothingDispatched() {
      if (events.length > 0) throw new Error(`Expected no events; dispatched: ${summary()}`);
    },
    async waitFor(name, predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = matching(name, predicate)[0];
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`Timed out waiting for ${name}; dispatched: ${summary()}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    clear() {
      events.length = 0;
    },
  };
}
