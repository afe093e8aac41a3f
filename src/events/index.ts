/**
 * Wires the event system for one process: the agenda job queue, receipts, per-event
 * job delivery, the outbox and the bus on top of them. Public surface for features:
 * `EventBus`, `createEvent`, the catalog types and listener options.
 */
import type { Db } from 'mongodb';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { DomainEventBus, type EventBus } from './bus';
import { AgendaJobDelivery } from './job-delivery';
import { createJobQueue, type JobQueue } from './job-queue';
import { Outbox } from './outbox';
import { ReceiptStore } from './receipts';

export type { EventBus } from './bus';
export { createEvent, type DomainEvent } from './event';
export type { EventName, EventPayload } from './catalog';
export type { ListenerOptions, ListenerContext } from './listener';

export interface EventSystem {
  bus: EventBus;
  queue: JobQueue;
  outbox: Outbox;
}

export interface EventSystemOptions {
  db: Db;
  logger: Logger;
  clock: Clock;
  pollIntervalMs: number;
  lockLifetimeMs: number;
  /** Agenda instance name (shows in `lastModifiedBy`). */
  name?: string;
  /** How long the outbox waits for more events before requesting a drain (OUTBOX_LINGER_MS). */
  outboxLingerMs?: number;
}

export async function createEventSystem(options: EventSystemOptions): Promise<EventSystem> {
  const logger = options.logger.child({ component: 'events' });
  const queue = await createJobQueue({
    db: options.db,
    logger,
    name: options.name,
    pollIntervalMs: options.pollIntervalMs,
    lockLifetimeMs: options.lockLifetimeMs,
  });
  const receipts = new ReceiptStore(options.db);
  const common = { agenda: queue.agenda, receipts, logger, clock: options.clock };
  const jobs = new AgendaJobDelivery({ ...common, lockLifetimeMs: options.lockLifetimeMs });
  const outbox = new Outbox({
    ...common,
    db: options.db,
    leaseMs: options.lockLifetimeMs,
    lingerMs: options.outboxLingerMs,
  });
  await outbox.ensureIndexes();
  const bus = new DomainEventBus({ logger, jobs, outbox });
  return { bus, queue, outbox };
}
