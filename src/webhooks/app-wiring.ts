/**
 * The webhook feature as the app runs it: settings from the environment, budget names
 * and stored forecast alerts read from the budget feature (read only), deployment-wide
 * performance alerts addressed to PLATFORM_ADMIN_ORG_IDS. Called by the composition root.
 */
import type { ServiceDeps } from '../app/services';
import { toBudgetAlert } from '../budgets/alert.service';
import type { BudgetFeature } from '../budgets/feature';
import { formatUsd } from '../shared/money';
import { createWebhookFeature, type WebhookFeature } from './feature';
import type { StoredForecastAlert } from './event-router';

export function createAppWebhooks(
  deps: ServiceDeps,
  budgets: Pick<BudgetFeature, 'store' | 'models'>,
): WebhookFeature {
  return createWebhookFeature({
    connection: deps.connection,
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    agenda: deps.agenda,
    settings: deps.config,
    // The same organisations that may read deployment-wide performance data over GraphQL.
    platformAdminOrgIds: deps.config.PLATFORM_ADMIN_ORG_IDS,
    async budgetInfo(budgetId) {
      const budget = await budgets.store.find(budgetId);
      return (
        budget && { name: budget.name, scope: budget.scope, scopeId: budget.scopeId, period: budget.period }
      );
    },
    async forecastAlerts(since, limit) {
      const docs = await budgets.models.Alert.find({ kind: 'FORECAST', createdAt: { $gte: since } })
        .sort({ createdAt: 1, _id: 1 })
        .limit(limit)
        .lean();
      return docs.map(toBudgetAlert).map((a): StoredForecastAlert => ({
        alertId: a.id,
        organizationId: a.organizationId,
        budgetId: a.budgetId,
        spentUsd: formatUsd(a.spentNano),
        limitUsd: formatUsd(a.limitNano),
        projectedUsd: a.projectedNano === null ? null : formatUsd(a.projectedNano),
        periodStart: a.periodStart?.toISOString() ?? null,
        periodEnd: a.periodEnd?.toISOString() ?? null,
        message: a.message,
        createdAt: a.createdAt,
      }));
    },
  });
}
