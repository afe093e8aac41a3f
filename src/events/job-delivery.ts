/**
 * Per-event delivery: one agenda job per queued listener per event, for events that
 * are rare enough to afford it (alerts, thresholds, tool runs). The job data is the
 * serialized event, validated when queued (by the bus) and again when the job runs.
 * Enqueueing is unique on (listener, event id), so dispatching the same event twice
 * queues it once.
 */
import type { Agenda, Job } from 'agenda';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { ValidationError } from '../shared/errors';
import type { QueuedDelivery } from './bus';
import { serializeEvent, type DomainEvent } from './event';
import { backoffDelay, listenerKey, type RegisteredListener } from './listener';
import type { ReceiptStore } from './receipts';
import { runQueuedListener } from './run-listener';

export function jobNameFor(listener: { event: string; name: string }): string {
  return `event:${listenerKey(listener as RegisteredListener)}`;
}

interface JobData {
  event: ReturnType<typeof serializeEvent>;
}

export class AgendaJobDelivery implements QueuedDelivery {
  constructor(
    private readonly deps: {
      agenda: Agenda;
      receipts: ReceiptStore;
      logger: Logger;
      clock: Clock;
      lockLifetimeMs: number;
    },
  ) {}

  register(listener: RegisteredListener): void {
    const name = jobNameFor(listener);
    this.deps.agenda.define(
      name,
      async (job: Job<JobData>) => {
        await runQueuedListener(
          this.deps,
          listener,
          job.attrs.data?.event,
          (job.attrs.failCount ?? 0) + 1,
          String(job.attrs._id),
        );
      },
      {
        concurrency: listener.concurrency,
        lockLifetime: this.deps.lockLifetimeMs,
        // A payload that fails validation will fail the same way next time: do not retry it.
        backoff: (ctx) =>
          ctx.error instanceof ValidationError ? null : backoffDelay(listener.retry, ctx.attempt),
      },
    );
  }

  async enqueue(event: DomainEvent, listeners: RegisteredListener[]): Promise<void> {
    const data: JobData = { event: serializeEvent(event) };
    await Promise.all(
      listeners.map((listener) =>
        this.deps.agenda
          .create(jobNameFor(listener), data)
          .unique({ name: jobNameFor(listener), 'data.event.id': event.id }, { insertOnly: true })
          .schedule(new Date())
          .save(),
      ),
    );
  }
}
