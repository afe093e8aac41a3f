/**
 * The kinds of event an endpoint can subscribe to, and which domain event each one is.
 * The kind is also the `type` of the JSON body we post, so receivers switch on the same
 * names the GraphQL API shows. `WEBHOOK_TEST` is the ping `testWebhook` sends; it cannot
 * be subscribed to.
 */
import type { EventName } from '../events/catalog';

export const WEBHOOK_EVENT_KINDS = [
  'BUDGET_THRESHOLD_REACHED',
  'BUDGET_EXCEEDED',
  'BUDGET_FORECAST',
  'PERFORMANCE_THRESHOLD_EXCEEDED',
] as const;
export type WebhookEventKind = (typeof WEBHOOK_EVENT_KINDS)[number];

/** What a posted body's `type` can be. */
export type WebhookPayloadType = WebhookEventKind | 'WEBHOOK_TEST';

/** The domain event that fans out to webhooks as each kind. */
export const domainEventOfKind = {
  BUDGET_THRESHOLD_REACHED: 'BudgetThresholdReached',
  BUDGET_EXCEEDED: 'BudgetExceeded',
  BUDGET_FORECAST: 'BudgetForecastExceeded',
  PERFORMANCE_THRESHOLD_EXCEEDED: 'PerformanceThresholdExceeded',
} as const satisfies Record<WebhookEventKind, EventName>;

export type WebhookDomainEvent = (typeof domainEventOfKind)[keyof typeof domainEventOfKind];

export const WEBHOOK_FORMATS = ['JSON', 'SLACK'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
