import { createLogger } from '../shared/logger';
import { AppError, ValidationError } from '../shared/errors';
import { DomainEventBus, type QueuedDelivery } from './bus';
import { createEvent, parseStoredEvent, serializeEvent, type DomainEvent } from './event';
import { backoffDelay, type RegisteredListener } from './listener';

const logger = createLogger({ level: 'silent' });

function recordingDelivery() {
  const registered: RegisteredListener[] = [];
  const enqueued: { event: DomainEvent; listeners: string[] }[] = [];
  const delivery: QueuedDelivery = {
    register: (l) => void registered.push(l),
    enqueue: async (event, listeners) =>
      void enqueued.push({ event, listeners: listeners.map((l) => l.name) }),
  };
  return { delivery, registered, enqueued };
}

const tool = () =>
  createEvent('MCPToolExecuted', {
    server: 'fs',
    tool: 'read_file',
    durationMs: 12,
    isError: false,
    organizationId: 'o1',
  });
const response = () =>
  createEvent('ResponseGenerated', {
    organizationId: 'o1',
    requestId: 'r1',
    usageEventId: 'u1',
    provider: 'openai',
    model: 'gpt-4o',
    usage: { input: 10, output: 5 },
    requestedAt: '2026-01-01T00:00:00.000Z',
  });

describe('domain events', () => {
  it('creates events with a name, version, id, time and validated payload', () => {
    const event = tool();
    expect(event).toMatchObject({ name: 'MCPToolExecuted', version: 1, payload: { tool: 'read_file' } });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.occurredAt).toBeInstanceOf(Date);
  });

  it('refuses a payload that does not match the catalog, naming the field', () => {
    expect(() =>
      createEvent('CostCalculated', {
        organizationId: 'o1',
        usageEventId: 'u',
        costRecordId: 'c',
        amountUsd: 0.1 as never,
        priced: true,
      }),
    ).toThrow(/CostCalculated.amountUsd/);
  });

  it('round-trips through storage and re-validates on the way back', () => {
    const event = tool();
    const restored = parseStoredEvent(JSON.parse(JSON.stringify(serializeEvent(event))));
    expect(restored).toEqual(event);
    expect(() => parseStoredEvent({ ...serializeEvent(event), payload: { server: 'fs' } })).toThrow(
      ValidationError,
    );
    expect(() => parseStoredEvent({ ...serializeEvent(event), version: 2 })).toThrow(/v2 cannot be handled/);
    expect(() => parseStoredEvent({ name: 'Nope' })).toThrow(ValidationError);
  });

  it('runs inline listeners in order and hands queued ones to the right delivery', async () => {
    const jobs = recordingDelivery();
    const outbox = recordingDelivery();
    const bus = new DomainEventBus({ logger, jobs: jobs.delivery, outbox: outbox.delivery });
    const seen: string[] = [];
    bus.listen({
      event: 'MCPToolExecuted',
      name: 'first',
      mode: 'inline',
      handle: (e) => void seen.push(`first:${e.payload.tool}`),
    });
    bus.listen({
      event: 'MCPToolExecuted',
      name: 'second',
      mode: 'inline',
      handle: async (_e, ctx) => void seen.push(ctx.idempotencyKey),
    });
    bus.listen({ event: 'MCPToolExecuted', name: 'stats', mode: 'queued', handle: () => undefined });
    bus.listen({ event: 'ResponseGenerated', name: 'costs', mode: 'queued', handle: () => undefined });
    const event = tool();
    await bus.dispatch(event);
    await bus.dispatch(response());
    expect(seen).toEqual(['first:read_file', `second:${event.id}`]);
    expect(jobs.enqueued).toEqual([{ event, listeners: ['stats'] }]);
    expect(outbox.enqueued.map((e) => [e.event.name, e.listeners])).toEqual([
      ['ResponseGenerated', ['costs']],
    ]);
    expect(bus.listenersOf('MCPToolExecuted').map((l) => l.name)).toEqual(['first', 'second', 'stats']);
  });

  it('rejects duplicate, badly named or unknown listeners', () => {
    const bus = new DomainEventBus({ logger, jobs: recordingDelivery().delivery });
    bus.listen({ event: 'BudgetExceeded', name: 'notify', mode: 'inline', handle: () => undefined });
    expect(() =>
      bus.listen({ event: 'BudgetExceeded', name: 'notify', mode: 'inline', handle: () => undefined }),
    ).toThrow(AppError);
    expect(() =>
      bus.listen({ event: 'BudgetExceeded', name: 'has space', mode: 'inline', handle: () => undefined }),
    ).toThrow(/must be/);
    expect(() =>
      bus.listen({ event: 'Nope' as never, name: 'x', mode: 'inline', handle: () => undefined }),
    ).toThrow(/Unknown event/);
  });

  it('refuses queued listeners when no job queue is configured', () => {
    const bus = new DomainEventBus({ logger });
    expect(() =>
      bus.listen({ event: 'ResponseGenerated', name: 'costs', mode: 'queued', handle: () => undefined }),
    ).toThrow(/job queue/);
  });

  it('fails dispatch when an inline listener fails, after queued work is durable', async () => {
    const jobs = recordingDelivery();
    const bus = new DomainEventBus({ logger, jobs: jobs.delivery });
    bus.listen({ event: 'MCPToolExecuted', name: 'queued', mode: 'queued', handle: () => undefined });
    bus.listen({
      event: 'MCPToolExecuted',
      name: 'broken',
      mode: 'inline',
      handle: () => Promise.reject(new Error('inline failed')),
    });
    await expect(bus.dispatch(tool())).rejects.toThrow('inline failed');
    expect(jobs.enqueued).toHaveLength(1);
  });

  it('refuses to dispatch a hand-made event with a bad payload', async () => {
    const bus = new DomainEventBus({ logger });
    const event = { ...tool(), payload: { server: '' } } as unknown as DomainEvent;
    await expect(bus.dispatch(event)).rejects.toThrow(ValidationError);
  });

  it('backs off exponentially up to a ceiling and then gives up', () => {
    const policy = { maxRetries: 4, initialDelayMs: 100, maxDelayMs: 500 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(policy, a))).toEqual([100, 200, 400, 500, null]);
  });
});
