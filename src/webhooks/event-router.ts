/**
 * From domain events to deliveries: each event becomes a `FanOutEvent` (its webhook `data`
 * and description) addressed to the right endpoints.
 * Budget events go to their organisation's endpoints. Performance alerts carrying an
 * organisation go to it; deployment-wide ones (organizationId null) go only to the
 * organisations named in PLATFORM_ADMIN_ORG_IDS, because their subjects (operation,
 * job and tool names) come from every tenant.
 */
import type { DomainEvent } from '../events/event';
import type { FanOutEvent, WebhookDeliveryService } from './delivery.service';
import {
  describeExceeded,
  describeForecast,
  describePerformance,
  describeThreshold,
  type BudgetInfo,
} from './describe';

export class WebhookEventRouter {
  constructor(
    private readonly deps: {
      deliveries: Pick<WebhookDeliveryService, 'fanOut'>;
      /** Name, scope and period of a budget, for readable messages; null when it is gone. */
      budgetInfo(budgetId: string): Promise<BudgetInfo | null>;
    },
  ) {}

  async thresholdReached(event: DomainEvent<'BudgetThresholdReached'>): Promise<number> {
    const { organizationId, ...payload } = event.payload;
    const described = describeThreshold(payload, await this.deps.budgetInfo(payload.budgetId));
    return this.toOrganization(
      organizationId,
      event.id,
      'BUDGET_THRESHOLD_REACHED',
      event.occurredAt,
      described,
    );
  }

  async exceeded(event: DomainEvent<'BudgetExceeded'>): Promise<number> {
    const { organizationId, ...payload } = event.payload;
    const described = describeExceeded(payload, await this.deps.budgetInfo(payload.budgetId));
    return this.toOrganization(organizationId, event.id, 'BUDGET_EXCEEDED', event.occurredAt, described);
  }

  async forecast(event: DomainEvent<'BudgetForecastExceeded'>): Promise<number> {
    const { organizationId, ...payload } = event.payload;
    const described = describeForecast(payload, await this.deps.budgetInfo(payload.budgetId));
    return this.toOrganization(organizationId, event.id, 'BUDGET_FORECAST', event.occurredAt, described);
  }

  /** One organisation's event to that organisation's subscribed endpoints. */
  private toOrganization(
    organizationId: string,
    eventId: string,
    kind: FanOutEvent['kind'],
    occurredAt: Date,
    described: Pick<FanOutEvent, 'data' | 'description'>,
  ): Promise<number> {
    return this.deps.deliveries.fanOut(
      { eventId, kind, occurredAt, organizationId, ...described },
      { organizationId },
    );
  }

  async performance(event: DomainEvent<'PerformanceThresholdExceeded'>): Promise<number> {
    const { organizationId, ...payload } = event.payload;
    const { data, description } = describePerformance(payload);
    const orgId = organizationId ?? null;
    return this.deps.deliveries.fanOut(
      {
        eventId: event.id,
        kind: 'PERFORMANCE_THRESHOLD_EXCEEDED',
        occurredAt: event.occurredAt,
        organizationId: orgId,
        data,
        description,
      },
      orgId ? { organizationId: orgId } : { deploymentWide: true },
    );
  }
}
