/**
 * What a delivery carries: the JSON envelope every format is built from, and a short
 * human description (title, one-line summary, labelled facts) that chat formats show.
 * Both are computed when the delivery is enqueued and stored on it, so a retry posts
 * exactly what the first attempt posted.
 */
import type { WebhookPayloadType } from './event-kinds';

export interface WebhookEnvelope {
  /** The event's id: the same on every retry and for every endpoint, so receivers can dedupe. */
  id: string;
  type: WebhookPayloadType;
  occurredAt: string;
  /** The organisation the event is about; null for deployment-wide performance alerts. */
  organizationId: string | null;
  data: Record<string, unknown>;
}

export interface EventDescription {
  title: string;
  summary: string;
  facts: [label: string, value: string][];
}
