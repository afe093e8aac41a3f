/**
 * Composition of the budget feature for one process: models on the app connection and the
 * services wired together, with new alerts published live (pubsub, per organisation) and as
 * domain events (BudgetThresholdReached / BudgetExceeded / BudgetForecastExceeded) for queued
 * listeners such as webhooks.
 */
import type { Connection } from 'mongoose';
import { authModels } from '../auth/models';
import type { EventBus } from '../events/bus';
import { createEvent } from '../events/event';
import type { PricingService } from '../pricing/pricing-service';
import type { AppPubSub } from '../pubsub/pubsub';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { formatUsd } from '../shared/money';
import { AlertService, type AlertPublisher } from './alert.service';
import { BudgetService } from './budget.service';
import { BudgetStore } from './budget.store';
import { BudgetEnforcementService } from './enforcement.service';
import { CostEstimator } from './estimate/estimate';
import type { ConversationReader } from './estimate/conversation-history';
import { BudgetForecaster, type DailySpendHistory } from './forecast/spend-forecast';
import { budgetModels, type BudgetModels } from './models';
import { ReservationService, type SpendSource } from './reservation.service';
import { StepHolds } from './step-holds';
import { BudgetSweeper, type EstimateRecorder } from './sweeper';
import './topics';

export interface BudgetFeatureDeps {
  connection: Connection;
  clock: Clock;
  logger: Logger;
  pubsub: AppPubSub;
  events: EventBus;
  pricing: Pick<PricingService, 'resolvePrice'>;
  spend?: SpendSource;
  /** Earlier turns of a continued conversation count in the worst-case estimate. */
  conversations?: ConversationReader;
  /** Daily spend history for forecast alerts and projected spend (analytics rollups). */
  forecastHistory?: DailySpendHistory;
  /** Charges the estimate of a hold whose process died (cost tracking). */
  estimates?: EstimateRecorder;
  /** How long a hold may stay unsettled before the sweeper assumes its process died. */
  holdTtlMs?: number;
}

export interface BudgetFeature {
  models: BudgetModels;
  store: BudgetStore;
  alerts: AlertService;
  reservations: ReservationService;
  enforcement: BudgetEnforcementService;
  service: BudgetService;
  sweeper: BudgetSweeper;
  /** Holds for a tool loop's model calls after the first (the request path's `holdStep`). */
  steps: StepHolds;
}

export function createBudgetFeature(deps: BudgetFeatureDeps): BudgetFeature {
  const models = budgetModels(deps.connection);
  const tenancy = authModels(deps.connection);
  const store = new BudgetStore(models);
  const live: AlertPublisher = {
    publish: (alert) => deps.pubsub.publish('budgetAlert', alert.organizationId, alert),
  };
  const domain: AlertPublisher = {
    async publish(alert) {
      if (alert.kind === 'THRESHOLD' && alert.threshold !== null && alert.periodStart) {
        await deps.events.dispatch(
          createEvent(
            'BudgetThresholdReached',
            {
              organizationId: alert.organizationId,
              budgetId: alert.budgetId,
              threshold: alert.threshold,
              periodStart: alert.periodStart.toISOString(),
              spentUsd: formatUsd(alert.spentNano),
              limitUsd: formatUsd(alert.limitNano),
            },
            { id: `budget-alert:${alert.id}` },
          ),
        );
      } else if (alert.kind === 'EXCEEDED') {
        await deps.events.dispatch(
          createEvent(
            'BudgetExceeded',
            {
              organizationId: alert.organizationId,
              budgetId: alert.budgetId,
              periodStart: (alert.periodStart ?? alert.createdAt).toISOString(),
              spentUsd: formatUsd(alert.spentNano),
              limitUsd: formatUsd(alert.limitNano),
              ...(alert.requestedNano !== null ? { requestedUsd: formatUsd(alert.requestedNano) } : {}),
            },
            { id: `budget-alert:${alert.id}` },
          ),
        );
      } else if (
        alert.kind === 'FORECAST' &&
        alert.projectedNano !== null &&
        alert.periodStart &&
        alert.periodEnd
      ) {
        await deps.events.dispatch(
          createEvent(
            'BudgetForecastExceeded',
            {
              organizationId: alert.organizationId,
              budgetId: alert.budgetId,
              alertId: alert.id,
              periodStart: alert.periodStart.toISOString(),
              periodEnd: alert.periodEnd.toISOString(),
              spentUsd: formatUsd(alert.spentNano),
              limitUsd: formatUsd(alert.limitNano),
              projectedUsd: formatUsd(alert.projectedNano),
              message: alert.message,
            },
            { id: `budget-alert:${alert.id}`, occurredAt: alert.createdAt },
          ),
        );
      }
    },
  };
  const forecaster = new BudgetForecaster({ history: deps.forecastHistory, logger: deps.logger });
  const alerts = new AlertService(models, deps.clock, [live, domain], forecaster);
  const reservations = new ReservationService({
    models,
    clock: deps.clock,
    alerts,
    budgets: store,
    logger: deps.logger,
    spend: deps.spend,
    reservationTtlMs: deps.holdTtlMs,
  });
  const estimator = new CostEstimator(deps.pricing);
  const enforcement = new BudgetEnforcementService({
    store,
    estimator,
    reservations,
    clock: deps.clock,
    conversations: deps.conversations,
  });
  const service = new BudgetService({
    models,
    store,
    alerts,
    clock: deps.clock,
    forecaster,
    async scopeExists(organizationId, scope, scopeId) {
      if (!/^[0-9a-f]{24}$/i.test(scopeId)) return false;
      const model = scope === 'PROJECT' ? tenancy.Project : scope === 'USER' ? tenancy.User : tenancy.ApiKey;
      return (await (model as typeof tenancy.Project).exists({ _id: scopeId, organizationId })) !== null;
    },
  });
  const sweeper = new BudgetSweeper({
    models,
    reservations,
    alerts,
    budgets: store,
    clock: deps.clock,
    logger: deps.logger,
    spend: deps.spend,
    estimates: deps.estimates,
  });
  const steps = new StepHolds({ enforcement, estimator, reservations, logger: deps.logger });
  return { models, store, alerts, reservations, enforcement, service, sweeper, steps };
}
