/**
 * The analytics queued listeners (via the event bus): each cost record announced by
 * `CostCalculated` and each `MCPToolExecuted` is queued in the rollup inbox (one insert,
 * idempotent), and a drain is requested; the drain counts the queue in batches. The
 * `ResponseGenerated` numbers (tokens, latency, outcome, time to first token) reach analytics
 * through the cost record priced from it and its usage event, which is also what a rebuild reads,
 * so counting the event too would count every request twice.
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
  requestDrain: () => Promise<void>,
): void {
  events.listen({
    event: 'CostCalculated',
    name: ANALYTICS_ROLLUP_LISTENER,
    mode: 'queued',
    retry: { maxRetries: 10 },
    handle: async (event, ctx) => {
      const queued = await rollups.enqueueCostRecord(
        event.payload.organizationId,
        event.payload.costRecordId,
      );
      if (queued) await requestDrain();
      ctx.logger.debug({ queued }, 'cost record queued for the rollups');
    },
    // Used when CostCalculated is delivered in batches (outbox): one insert for the batch.
    handleBatch: async (batch, ctx) => {
      const queued = await rollups.enqueueCostRecords(
        batch.map((e) => ({
          organizationId: e.payload.organizationId,
          costRecordId: e.payload.costRecordId,
        })),
      );
      if (queued > 0) await requestDrain();
      ctx.logger.debug({ queued, events: batch.length }, 'cost records queued for the rollups');
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
      const queued = await rollups.enqueueToolCall({
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
      if (queued) await requestDrain();
      ctx.logger.debug({ queued }, 'tool call queued for the rollups');
    },
  });
}
