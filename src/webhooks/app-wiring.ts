/**
 * The webhook feature as the app runs it: settings from the environment, budget names
 * read from the budget feature (read only), deployment-wide performance alerts addressed
 * to PLATFORM_ADMIN_ORG_IDS. Called by the composition root.
 */
import type { ServiceDeps } from '../app/services';
import type { BudgetFeature } from '../budgets/feature';
import { createWebhookFeature, type WebhookFeature } from './feature';

export function createAppWebhooks(deps: ServiceDeps, budgets: Pick<BudgetFeature, 'store'>): WebhookFeature {
  return createWebhookFeature({
    connection: deps.connection,
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
  });
}
