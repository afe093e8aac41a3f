/**
 * The domain-event envelope: name, version, a unique id, when it happened and the
 * validated payload. `createEvent` is the only way to make one, so every event that
 * reaches the bus has passed its catalog schema.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { eventCatalog, eventNames, type EventDefinition, type EventName, type EventPayload } from './catalog';

export interface DomainEvent<N extends EventName = EventName> {
  id: string;
  name: N;
  version: number;
  occurredAt: Date;
  payload: EventPayload<N>;
}

export interface CreateEventOptions {
  /** Supply a stable id (e.g. derived from a usage event id) to make re-dispatch idempotent. */
  id?: string;
  occurredAt?: Date;
}

export function createEvent<N extends EventName>(
  name: N,
  payload: EventPayload<N>,
  options: CreateEventOptions = {},
): DomainEvent<N> {
  const def = eventCatalog[name];
  const event: DomainEvent<N> = {
    id: options.id ?? randomUUID(),
    name,
    version: def.version,
    occurredAt: options.occurredAt ?? new Date(),
    payload: parsePayload(name, payload) as EventPayload<N>,
  };
  created.add(event);
  return event;
}

/**
 * Events made by `createEvent` (validated there). Frozen copies are not needed: the bus only
 * skips its second validation for these exact objects, and anything built or copied by hand
 * (`{ ...event, payload }`) is a different object and is validated again.
 */
const created = new WeakSet<object>();

/** Whether this exact object came from `createEvent` (its payload passed the catalog schema). */
export function wasCreatedValid(event: object): boolean {
  return created.has(event);
}

/** The JSON shape an event takes inside a job or the outbox. */
export const serializedEventSchema = z.object({
  id: z.string().min(1),
  name: z.enum(eventNames as [EventName, ...EventName[]]),
  version: z.number().int().positive(),
  occurredAt: z.coerce.date(),
  payload: z.unknown(),
});

export type SerializedEvent = z.input<typeof serializedEventSchema>;

export function serializeEvent(event: DomainEvent): {
  id: string;
  name: EventName;
  version: number;
  occurredAt: Date;
  payload: unknown;
} {
  return {
    id: event.id,
    name: event.name,
    version: event.version,
    occurredAt: event.occurredAt,
    payload: event.payload,
  };
}

/** Re-validates a stored event (job data, outbox row) before a listener sees it. */
export function parseStoredEvent(raw: unknown): DomainEvent {
  const envelope = serializedEventSchema.safeParse(raw);
  if (!envelope.success) {
    throw new ValidationError(
      envelope.error.issues.map((i) => ({ field: `event.${i.path.join('.')}`, message: i.message })),
    );
  }
  const { name, version } = envelope.data;
  const def: EventDefinition = eventCatalog[name];
  const expected = def.version;
  if (version !== expected && !def.accepts?.includes(version)) {
    throw new ValidationError([
      {
        field: 'event.version',
        message: `${name} v${version} cannot be handled by listeners for v${expected}`,
      },
    ]);
  }
  return { ...envelope.data, payload: parsePayload(name, envelope.data.payload) } as DomainEvent;
}

function parsePayload(name: EventName, payload: unknown): unknown {
  const result = eventCatalog[name].payload.safeParse(payload);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((i) => ({ field: `${name}.${i.path.join('.')}`, message: i.message })),
  );
}
