/**
 * The webhook feature's agenda job, defined once with its payload schema: `webhooks.deliver`
 * makes one attempt of one delivery (unique per delivery and attempt, so scheduling it twice
 * queues it once).
 */
import type { Agenda } from 'agenda';
import { z } from 'zod';
import type { DeliveryScheduler, WebhookDeliveryService } from './delivery.service';

export const DELIVER_JOB = 'webhooks.deliver';

const deliverData = z.object({
  deliveryId: z.string().regex(/^[0-9a-f]{24}$/i),
  attempt: z.number().int().positive(),
});

/** The part of agenda the webhooks use. */
export type WebhookAgenda = Pick<Agenda, 'define' | 'create'>;

export function agendaScheduler(agenda: WebhookAgenda): DeliveryScheduler {
  return {
    async schedule(deliveryId, attempt, at) {
      const data = deliverData.parse({ deliveryId, attempt });
      await agenda
        .create(DELIVER_JOB, data)
        .unique(
          { name: DELIVER_JOB, 'data.deliveryId': deliveryId, 'data.attempt': attempt },
          { insertOnly: true },
        )
        .schedule(at)
        .save();
    },
  };
}

export function defineWebhookJobs(
  agenda: WebhookAgenda,
  deps: {
    deliveries: WebhookDeliveryService;
    concurrency: number;
    lockLifetimeMs: number;
  },
): void {
  agenda.define(
    DELIVER_JOB,
    async (job) => {
      const { deliveryId, attempt } = deliverData.parse(job.attrs.data);
      await deps.deliveries.attempt(deliveryId, attempt);
    },
    { concurrency: deps.concurrency, lockLifetime: deps.lockLifetimeMs },
  );
}
