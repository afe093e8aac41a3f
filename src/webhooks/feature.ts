/**
 * Composition of the webhook feature for one process: models on the app connection,
 * the delivery and endpoint services, the event router and the delivery job. The
 * composition root calls `createWebhookFeature` once, then `registerWebhookListeners(bus, feature)`.
 */
import type { Connection } from 'mongoose';
import type { EventBus } from '../events/bus';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { WebhookDeliveryService } from './delivery.service';
import type { BudgetInfo } from './describe';
import { WebhookEventRouter } from './event-router';
import { agendaScheduler, defineWebhookJobs, type WebhookAgenda } from './jobs';
import { webhookModels, type WebhookModels } from './models';
import { createSecretBox } from './secret-box';
import { WebhookService } from './webhook.service';

/** The WEBHOOK_* settings (src/config/env.ts). */
export interface WebhookSettings {
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_MAX_ATTEMPTS: number;
  WEBHOOK_RETRY_BASE_MS: number;
  WEBHOOK_RETRY_MAX_MS: number;
  WEBHOOK_DELIVERY_RETENTION_DAYS: number;
  WEBHOOK_CONCURRENCY: number;
  /** 64 hex characters: seals endpoint secrets at rest (AES-256-GCM). */
  WEBHOOK_SECRET_KEY?: string;
  JOB_LOCK_LIFETIME_MS: number;
}

export interface WebhookFeatureDeps {
  connection: Connection;
  clock: Clock;
  logger: Logger;
  agenda: WebhookAgenda;
  settings: WebhookSettings;
  /** Organisations whose endpoints receive deployment-wide performance alerts. */
  platformAdminOrgIds: string[];
  budgetInfo(budgetId: string): Promise<BudgetInfo | null>;
  fetchImpl?: typeof fetch;
}

export interface WebhookFeature {
  models: WebhookModels;
  service: WebhookService;
  deliveries: WebhookDeliveryService;
  router: WebhookEventRouter;
}

const DAY_MS = 86_400_000;

export function createWebhookFeature(deps: WebhookFeatureDeps): WebhookFeature {
  const { settings } = deps;
  const models = webhookModels(deps.connection);
  const secrets = createSecretBox(settings.WEBHOOK_SECRET_KEY);
  const deliveries = new WebhookDeliveryService({
    models,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'webhooks' }),
    scheduler: agendaScheduler(deps.agenda),
    policy: {
      maxAttempts: settings.WEBHOOK_MAX_ATTEMPTS,
      baseDelayMs: settings.WEBHOOK_RETRY_BASE_MS,
      maxDelayMs: settings.WEBHOOK_RETRY_MAX_MS,
    },
    timeoutMs: settings.WEBHOOK_TIMEOUT_MS,
    retentionMs: settings.WEBHOOK_DELIVERY_RETENTION_DAYS * DAY_MS,
    deploymentWideAudience: deps.platformAdminOrgIds,
    secrets,
    fetchImpl: deps.fetchImpl,
  });
  const router = new WebhookEventRouter({ deliveries, budgetInfo: deps.budgetInfo });
  defineWebhookJobs(deps.agenda, {
    deliveries,
    concurrency: settings.WEBHOOK_CONCURRENCY,
    // An attempt is bounded by its timeout; the lock only has to outlive that.
    lockLifetimeMs: Math.max(settings.JOB_LOCK_LIFETIME_MS, settings.WEBHOOK_TIMEOUT_MS * 2),
  });
  const service = new WebhookService({ models, clock: deps.clock, deliveries, secrets });
  return { models, service, deliveries, router };
}

/** Queued listeners: each alert event is fanned out in a job, never on the request path. */
export function registerWebhookListeners(bus: EventBus, feature: WebhookFeature): void {
  bus.listen({
    event: 'BudgetThresholdReached',
    name: 'webhooks',
    mode: 'queued',
    handle: async (event) => void (await feature.router.thresholdReached(event)),
  });
  bus.listen({
    event: 'BudgetExceeded',
    name: 'webhooks',
    mode: 'queued',
    handle: async (event) => void (await feature.router.exceeded(event)),
  });
  bus.listen({
    event: 'BudgetForecastExceeded',
    name: 'webhooks',
    mode: 'queued',
    handle: async (event) => void (await feature.router.forecast(event)),
  });
  bus.listen({
    event: 'PerformanceThresholdExceeded',
    name: 'webhooks',
    mode: 'queued',
    handle: async (event) => void (await feature.router.performance(event)),
  });
}
