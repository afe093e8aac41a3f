/**
 * Cost tracking: the request path records a usage event (one durable, idempotent write); the
 * cost-tracking listener turns it into one immutable charge record priced with the price in force
 * at request time, then announces it (CostCalculated, the costUpdated topic). Running the
 * listener twice finds the charge and counts nothing again. Repricing (a price set later, e.g.
 * for an unpriced model) appends adjustment records with the difference.
 */
import type { PricingService } from '../pricing/pricing-service';
import type { Clock } from '../shared/clock';
import { AppError } from '../shared/errors';
import { addCosts, combineCalls, costOfCall, zeroCost, type PricedCall } from './cost-calculator';
import { costDelta, isZeroCost, type CostRecord } from './cost-record';
import type { CostRecordStore, UsageEventStore } from './cost-stores';
import type { UsageEvent } from './usage-event';

export interface CostTrackingDeps {
  usageEvents: UsageEventStore;
  costRecords: CostRecordStore;
  pricing: PricingService;
  clock: Clock;
  /** Called once a record is stored (and again if a replayed job finds it): events and live updates. */
  announce?: (record: CostRecord) => Promise<void>;
}

export interface RepriceScope {
  organizationId: string;
  provider: string;
  model: string;
}

export class CostTrackingService {
  constructor(private readonly deps: CostTrackingDeps) {}

  /** The request path's durable write. Returns false when this usage event was already stored. */
  recordUsage(event: UsageEvent): Promise<boolean> {
    return this.deps.usageEvents.insert(event);
  }

  private async priceEvent(event: UsageEvent) {
    const resolution = await this.deps.pricing.resolvePrice({
      organizationId: event.organizationId,
      provider: event.provider,
      model: event.model,
      at: event.requestedAt,
    });
    const calls: PricedCall[] = event.calls.map((call) =>
      resolution.status === 'priced'
        ? costOfCall(call.usage, resolution.price)
        : { status: 'unpriced', usage: call.usage, reason: resolution.reason },
    );
    return combineCalls(calls);
  }

  /**
   * The cost-tracking listener's work for one usage event. Idempotent: the charge record's id
   * is the usage event id, so a second run (a retry after a crash) stores nothing new.
   */
  async trackCost(usageEventId: string): Promise<CostRecord> {
    const event = await this.deps.usageEvents.get(usageEventId);
    if (!event) {
      throw new AppError('NOT_FOUND', `Usage event ${usageEventId} does not exist; it cannot be priced.`);
    }
    const existing = (await this.deps.costRecords.forUsageEvent(usageEventId)).find(
      (r) => r.kind === 'charge',
    );
    if (existing) {
      await this.deps.announce?.(existing);
      return existing;
    }
    const priced = await this.priceEvent(event);
    const unpriced = priced.status === 'unpriced' || event.calls.some((c) => c.usageSource === 'missing');
    const record: CostRecord = {
      id: event.id,
      kind: 'charge',
      adjusts: null,
      usageEventId: event.id,
      organizationId: event.organizationId,
      projectId: event.projectId,
      userId: event.userId,
      apiKeyId: event.apiKeyId,
      requestId: event.requestId,
      conversationId: event.conversationId,
      messageId: event.messageId,
      provider: event.provider,
      model: event.model,
      status: unpriced ? 'unpriced' : 'priced',
      usage: priced.usage,
      cost: priced.cost,
      priceVersions: priced.priceVersions,
      modelCalls: event.calls.length,
      requestCount: 1,
      unpricedDelta: unpriced ? 1 : 0,
      usageIncomplete: event.calls.some((c) => c.partial || c.usageSource === 'missing'),
      latencyMs: event.latencyMs,
      requestedAt: event.requestedAt,
      recordedAt: this.deps.clock.now(),
    };
    const inserted = await this.deps.costRecords.insert(record);
    const stored = inserted
      ? record
      : (await this.deps.costRecords.forUsageEvent(usageEventId)).find((r) => r.kind === 'charge')!;
    await this.deps.announce?.(stored);
    return stored;
  }

  /**
   * Re-prices every charge of a model in an organisation with the prices now known, appending an
   * adjustment wherever the cost (or priced state) changed. Idempotent per target price version.
   */
  async reprice(scope: RepriceScope): Promise<CostRecord[]> {
    // Records keep the model name as requested (e.g. a dated snapshot); prices are keyed by the
    // canonical name, so match on that rather than on the exact string.
    const key = this.deps.pricing.priceKey(scope.provider, scope.model);
    const charges = (
      await this.deps.costRecords.find({
        organizationId: scope.organizationId,
        provider: scope.provider,
        kind: 'charge',
      })
    ).filter((r) => this.deps.pricing.priceKey(r.provider, r.model) === key);
    const written: CostRecord[] = [];
    for (const charge of charges) {
      const adjustment = await this.adjustmentFor(charge);
      if (adjustment && (await this.deps.costRecords.insert(adjustment))) {
        written.push(adjustment);
        await this.deps.announce?.(adjustment);
      }
    }
    return written;
  }

  /** Records an organisation price and re-prices the requests it applies to (`setModelPrice`). */
  async setModelPrice(organizationId: string, input: unknown, actor?: string) {
    const price = await this.deps.pricing.setModelPrice(organizationId, input, actor);
    const adjustments = await this.reprice({ organizationId, provider: price.provider, model: price.model });
    return { price, adjustments };
  }

  private async adjustmentFor(charge: CostRecord): Promise<CostRecord | undefined> {
    const event = await this.deps.usageEvents.get(charge.usageEventId);
    if (!event || event.calls.some((c) => c.usageSource === 'missing')) return undefined;
    const priced = await this.priceEvent(event);
    if (priced.status !== 'priced') return undefined;
    // What the records say the request costs so far: the charge plus every earlier adjustment.
    const history = await this.deps.costRecords.forUsageEvent(charge.usageEventId);
    const effectiveCost = history.reduce((sum, r) => addCosts(sum, r.cost), zeroCost());
    const wasUnpriced = charge.status === 'unpriced' && !history.some((r) => r.kind === 'adjustment');
    const delta = costDelta(priced.cost, effectiveCost);
    if (!wasUnpriced && isZeroCost(delta)) return undefined;
    return {
      ...charge,
      id: `${charge.id}:adj:${priced.priceVersions.join('+')}`,
      kind: 'adjustment',
      adjusts: charge.id,
      status: 'priced',
      usage: { inputUncached: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 },
      cost: delta,
      priceVersions: priced.priceVersions,
      modelCalls: 0,
      requestCount: 0,
      unpricedDelta: wasUnpriced ? -1 : 0,
      recordedAt: this.deps.clock.now(),
    };
  }
}
