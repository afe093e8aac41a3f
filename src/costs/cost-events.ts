/**
 * How cost tracking plugs into the event bus and live updates:
 * - the `cost-tracking` listener on ResponseGenerated: queued (drained from the outbox by agenda,
 *   a batch of events per call) by default, inline when `COST_TRACKING_MODE=sync` (the benchmark
 *   baseline only);
 * - the announcer: once a record is stored (a charge, an adjustment, or an estimate written by the
 *   budget sweeper), CostCalculated is dispatched under an id derived from the record (so a replay
 *   dispatches the same event, deduplicated by the bus) and the record is published on the
 *   organisation's `costUpdated` topic. Budget settlement and the analytics rollups listen to it.
 */
import { z } from 'zod';

import { createEvent, type DomainEvent, type EventBus } from '../events';
import type { AppPubSub } from '../pubsub/pubsub';
import { AppError } from '../shared/errors';
import { formatUsd } from '../shared/money';
import type { CostRecord } from './cost-record';
import type { CostTrackingService } from './cost-tracking-service';
import { usageEventFromResponse } from './response-event';
import type { UsageEvent } from './usage-event';

declare module '../pubsub/channels' {
  interface PubSubChannels {
    /** A cost record (charge, adjustment or estimate) was stored for the organisation. */
    costUpdated: CostRecord;
  }
}

export const COST_TRACKING_LISTENER = 'cost-tracking';

export type CostTrackingMode = 'async' | 'sync';

export function costTrackingMode(env: Record<string, string | undefined> = process.env): CostTrackingMode {
  const parsed = z
    .enum(['async', 'sync'])
    .default('async')
    .safeParse(env.COST_TRACKING_MODE || undefined);
  if (!parsed.success) {
    throw new AppError('CONFIG_INVALID', 'COST_TRACKING_MODE must be "async" (default) or "sync".');
  }
  return parsed.data;
}

export function registerCostListeners(
  events: EventBus,
  costs: CostTrackingService,
  mode: CostTrackingMode,
): void {
  // Cost tracking ends at the stored, announced record: budgets settle from CostCalculated in a
  // listener of their own, so a budgets fault never makes this listener retry.
  const track = async (delivered: DomainEvent<'ResponseGenerated'>[]) => {
    await costs.trackBatch(await usageEventsOf(costs, delivered));
  };
  events.listen({
    event: 'ResponseGenerated',
    name: COST_TRACKING_LISTENER,
    mode: mode === 'sync' ? 'inline' : 'queued',
    // Every cost lands in one record; retries are safe because tracking is idempotent.
    retry: { maxRetries: 10 },
    handle: (event) => track([event]),
    handleBatch: (batch) => track(batch),
    // Charges are keyed by the usage event id: a replay finds them and stores nothing, so
    // batches need no receipts (one write per event fewer).
    selfIdempotent: true,
  });
}

/** The usage events that ResponseGenerated events carry (or, for older events, their stored copy). */
async function usageEventsOf(
  costs: CostTrackingService,
  events: DomainEvent<'ResponseGenerated'>[],
): Promise<UsageEvent[]> {
  const carried = events.map(usageEventFromResponse);
  const missing = events.filter((_, i) => !carried[i]).map((e) => e.payload.usageEventId);
  const stored = await costs.usageEvents(missing);
  return events.map((event, i) => {
    const usage = carried[i] ?? stored.get(event.payload.usageEventId);
    if (!usage) {
      throw new AppError(
        'NOT_FOUND',
        `Usage event ${event.payload.usageEventId} does not exist; it cannot be priced.`,
      );
    }
    return usage;
  });
}

export function createCostAnnouncer(deps: { events?: EventBus; pubsub?: AppPubSub }) {
  return async (record: CostRecord): Promise<void> => {
    if (deps.events) {
      await deps.events.dispatch(
        createEvent(
          'CostCalculated',
          {
            organizationId: record.organizationId,
            projectId: record.projectId,
            userId: record.userId,
            usageEventId: record.usageEventId,
            costRecordId: record.id,
            amountUsd: formatUsd(record.cost.total, { minDecimals: 9 }),
            priced: record.status === 'priced',
            requestId: record.requestId,
            kind: record.kind,
            amountNano: record.cost.total.toString(),
            adjusts: record.adjusts,
          },
          { id: `cc_${record.id}`, occurredAt: record.recordedAt },
        ),
      );
    }
    deps.pubsub?.publish('costUpdated', record.organizationId, record);
  };
}
