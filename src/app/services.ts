/**
 * The composition root for services: one typed registry, built once per process
 * and put in every GraphQL context, job and CLI command. A feature registers its
 * services here (one field in `Services`, one line in `createServices`) and its
 * queued listeners in `registerListeners`.
 */
import type { Connection } from 'mongoose';
import type { Db } from 'mongodb';
import { ApiKeyService } from '../auth/api-key-service';
import { AuthService } from '../auth/auth-service';
import { authModels } from '../auth/models';
import { OnboardingService } from '../auth/onboarding-service';
import { TenancyService } from '../auth/tenancy-service';
import type { Config } from '../config/env';
import { costTrackingMode, registerCostListeners } from '../costs/cost-events';
import { createCostServices, type CostServices } from '../costs/cost-services';
import { createBudgetFeature, type BudgetFeature } from '../budgets/feature';
import type { RequestHolds } from '../conversations/request-holds';
import { readBudgetUsage } from '../budgets/budget-usage';
import { budgetModels } from '../budgets/models';
import { CostRecordSpendSource } from '../budgets/cost-record-spend';
import { scheduleBudgetSweeper } from '../budgets/sweeper-job';
import { registerBudgetSettlement } from '../budgets/settlement-listener';
import { MongoCostRecordStore } from '../costs/mongo-cost-stores';
import { RollupSpendHistory } from '../budgets/forecast/rollup-spend-history';
import type { EventBus } from '../events/bus';
import type { AnalyticsServices } from '../analytics/analytics-runtime';
import { wireAnalytics, type AnalyticsAgenda } from '../analytics/wiring';
import type { DownloadHandler } from '../server/use-export-downloads';
import { McpService } from '../mcp/mcp-service';
import { createMonitoring } from '../monitoring/create-monitoring';
import type { MonitoringService } from '../monitoring/monitoring-service';
import type { AppPubSub } from '../pubsub/pubsub';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { createAppWebhooks } from '../webhooks/app-wiring';
import { registerWebhookListeners, type WebhookFeature } from '../webhooks/feature';
import type { WebhookAgenda } from '../webhooks/jobs';

/** How far back budget periods count for the "budget limits" recommendation. */
const BUDGET_USAGE_LOOKBACK_MS = 90 * 24 * 60 * 60 * 1000;

/** Everything a service may depend on. */
export interface ServiceDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  /** The app's mongoose connection: bind models with `connection.model(...)`. */
  connection: Connection;
  /** The same database for the native driver. */
  db: Db;
  events: EventBus;
  pubsub: AppPubSub;
  /** The job queue, for features that define their own agenda jobs (analytics exports, reports, webhooks). */
  agenda: AnalyticsAgenda & WebhookAgenda;
}

export interface Services extends CostServices {
  auth: AuthService;
  tenancy: TenancyService;
  apiKeys: ApiKeyService;
  onboarding: OnboardingService;
  mcp: McpService;
  budgets: BudgetFeature;
  analytics: AnalyticsServices;
  /** Serves signed export downloads; null when exports are not configured. */
  exportDownloads: DownloadHandler | null;
  /** Absent when MONITORING_ENABLED=false. */
  monitoring?: MonitoringService;
  webhooks: WebhookFeature;
}

export function createServices(deps: ServiceDeps): Services {
  const models = authModels(deps.connection);
  const auth = new AuthService({ models, clock: deps.clock });
  // Callers are cached briefly; anything that changes what a key may do clears them at once.
  const accessChanged = () => auth.invalidate();
  const apiKeys = new ApiKeyService({ models, clock: deps.clock, pubsub: deps.pubsub, accessChanged });
  const monitoring = createMonitoring(deps);
  const mcp = new McpService({
    // The same variable the CLI's --config reads, so both see one file.
    configPath: process.env.AI_MCP_CONFIG || '.mcp.json',
    events: deps.events,
    logger: deps.logger,
    // With monitoring, slow calls alert through its cooldown (one stream), not once per call here.
    slowCallMs: monitoring ? null : undefined,
  });
  monitoring?.observeMcpRegistry(mcp.registry);
  // Budgets are built after conversations (they read conversations): the request path reaches its
  // holds through this late-bound seam.
  let budgets: BudgetFeature | undefined = undefined;
  const holds: RequestHolds = {
    trim: async (requestId, keepNano) => void (await budgets?.reservations.trim(requestId, keepNano)),
    holdStep: (step) =>
      budgets
        ? budgets.steps.holdStep(step)
        : Promise.resolve({
            held: false,
            code: 'BUDGET_CHECK_UNAVAILABLE',
            message: 'Budgets are not ready yet; the tool loop stopped before its next step.',
            refusal: null,
          }),
  };
  const costServices = createCostServices({
    holds,
    db: deps.db,
    clock: deps.clock,
    events: deps.events,
    pubsub: deps.pubsub,
    prepareTools: (servers, caller, options) => mcp.prepareTools(servers, caller, options),
    instrumentRunner: monitoring && ((runner) => monitoring.instrumentChatRunner(runner)),
    agenda: deps.agenda,
  });
  const budgetTables = budgetModels(deps.connection);
  const analytics = wireAnalytics({
    db: deps.db,
    clock: deps.clock,
    events: deps.events,
    agenda: deps.agenda,
    // The "budget limits" recommendation reads how budgets fared over their recent periods.
    extraInputs: async (organizationId) => ({
      budgets: await readBudgetUsage(
        budgetTables,
        organizationId,
        deps.clock.now(),
        BUDGET_USAGE_LOOKBACK_MS,
      ),
    }),
  });
  budgets = createBudgetFeature({
    connection: deps.connection,
    clock: deps.clock,
    logger: deps.logger,
    pubsub: deps.pubsub,
    events: deps.events,
    pricing: costServices.pricing,
    // Settled spend comes from the cost records: new counters start from it, the sweeper repairs to it.
    spend: new CostRecordSpendSource(new MongoCostRecordStore(deps.db)),
    // Budget checks outside a GraphQL request read conversations through the same store.
    conversations: costServices.conversations.readerFor(undefined),
    forecastHistory: new RollupSpendHistory(analytics.services.reports),
    // A hold whose process died is charged as an estimate cost record.
    estimates: costServices.costs,
    holdTtlMs: deps.config.BUDGET_HOLD_TTL_MS,
  });
  const services: Omit<Services, 'webhooks'> = {
    auth,
    analytics: analytics.services,
    exportDownloads: analytics.downloadHandler,
    tenancy: new TenancyService({ models, clock: deps.clock, pubsub: deps.pubsub, accessChanged }),
    apiKeys,
    onboarding: new OnboardingService({ models, clock: deps.clock, apiKeys }),
    mcp,
    monitoring,
    ...costServices,
    budgets,
  };
  return { ...services, webhooks: createAppWebhooks(deps, services.budgets) };
}

/** Queued and inline event listeners of every feature. Called once per process. */
export function registerListeners(bus: EventBus, services: Services, deps: ServiceDeps): void {
  // Listeners registered through the monitored bus are timed (dispatch latency, duration).
  const events = services.monitoring?.observeBus(bus) ?? bus;
  // Features add: registerCostListeners(events, services);
  registerCostListeners(events, services.costs, costTrackingMode());
  // Each request's hold on its budgets becomes its actual cost, from CostCalculated.
  registerBudgetSettlement(events, {
    reservations: services.budgets.reservations,
    records: new MongoCostRecordStore(deps.db),
  });
  // Expires holds of dead processes and repairs budget counters from the cost records.
  void scheduleBudgetSweeper(
    deps.agenda,
    services.budgets.sweeper,
    deps.logger,
    deps.config.BUDGET_SWEEP_INTERVAL_MS,
  ).catch((err: unknown) => deps.logger.error({ err }, 'could not schedule the budget sweeper'));
  // Budget (threshold, exceeded, forecast) and performance alerts fan out to webhooks in queued jobs.
  registerWebhookListeners(events, services.webhooks);
}
