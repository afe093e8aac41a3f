/**
 * Runs one queued listener for one stored event: validate the stored event again,
 * skip it if a receipt says it already ran, run it with a child logger, record the
 * receipt. Shared by per-event jobs and the outbox drain.
 */
import type { Logger } from '../shared/logger';
import type { Clock } from '../shared/clock';
import { parseStoredEvent } from './event';
import type { RegisteredListener } from './listener';
import type { ReceiptStore } from './receipts';

export interface RunListenerDeps {
  receipts: ReceiptStore;
  logger: Logger;
  clock: Clock;
}

export type RunOutcome = 'done' | 'skipped';

export async function runQueuedListener(
  deps: RunListenerDeps,
  listener: RegisteredListener,
  rawEvent: unknown,
  attempt: number,
  jobId?: string,
): Promise<RunOutcome> {
  const event = parseStoredEvent(rawEvent);
  const idempotencyKey = `${listener.name}:${event.id}`;
  const logger = deps.logger.child({
    listener: listener.name,
    event: event.name,
    eventId: event.id,
    jobId,
    attempt,
  });
  if (await deps.receipts.has(idempotencyKey)) {
    logger.debug('listener already completed for this event; skipping');
    return 'skipped';
  }
  await listener.handle(event, { idempotencyKey, attempt, logger });
  await deps.receipts.record(idempotencyKey, deps.clock.now());
  return 'done';
}
