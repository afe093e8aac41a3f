/**
 * The analytics queued listeners (agenda jobs via the event bus): each cost record announced by
 * `CostCalculated` and each `MCPToolExecuted` is applied to the rollups once. `ResponseGenerated`
 * is not consumed: its numbers reach analytics through the cost record priced from it, which is
 * also what a rebuild reads, so counting it too would count every request twice.
 */
import type { EventBus } from '../../events/bus';
import { usageEventIdFor } from '../../costs/usage-event';
import type { AnalyticsSources } from './analytics-sources';
import type { RollupService } from './rollup-service';

export const ANALYTICS_ROLLUP_LISTENER = 'analytics-rollups';

export function registerAnalyticsListeners(
  events: EventBus,
  rollups: RollupService,
  sources: AnalyticsSources,
): void {
  events.listen({
    event: 'CostCalculated',
    name: ANALYTICS_ROLLUP_LISTENER,
    mode: 'queued',
    retry: { maxRetries: 10 },
    handle: async (event, ctx) => {
      const outcome = await rollups.applyCostRecord(event.payload.usageEventId, event.payload.costRecordId);
      if (outcome === 'missing') throw new Error(`cost record ${event.payload.costRecordId} not found yet`);
      ctx.logger.debug({ outcome }, 'cost record rolled up');
    },
  });
  events.listen({
    event: 'MCPToolExecuted',
    name: ANALYTICS_ROLLUP_LISTENER,
    mode: 'queued',
    handle: async (event, ctx) => {
      const { requestId, organizationId, isError } = event.payload;
      const usage = requestId ? await sources.usageEvent(usageEventIdFor(requestId)) : null;
      const org = usage?.organizationId ?? organizationId;
      // A tool call outside any organisation's request cannot be attributed to anyone's analytics.
      if (!org) return;
      const outcome = await rollups.applyToolCall({
        id: event.id,
        occurredAt: event.occurredAt,
        error: isError,
        dims: usage
          ? {
              organizationId: usage.organizationId,
              projectId: usage.projectId,
              userId: usage.userId,
              apiKeyId: usage.apiKeyId,
              provider: usage.provider,
              model: usage.model,
            }
          : { organizationId: org },
      });
      ctx.logger.debug({ outcome }, 'tool call rolled up');
    },
  });
}
