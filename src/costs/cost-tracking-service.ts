/**
 * Cost tracking: the request path records a usage event (one durable, idempotent write); the
 * cost-tracking listener turns each usage event into one immutable charge record priced with the
 * price in force at request time, then announces it (CostCalculated, the costUpdated topic).
 *
 * The listener works in batches (the outbox hands it many events at once): one write stores the
 * batch's usage events, one read finds charges already written, prices are read once per
 * organisation, one write stores the new charges and one marks them announced. Running it twice
 * finds the charges and counts nothing again; a record is announced only by the run that stored
 * it, or by a replay when the run that stored it died before announcing.
 *
 * Repricing (a price set later, e.g. for an unpriced model) appends adjustment records with the
 * difference; it runs as a background job, not inside `setModelPrice`.
 *
 * A request whose process died mid-call is charged an estimate (`recordEstimate`, called by the
 * budget sweeper when its hold expires); if its real usage arrives later after all, tracking it
 * also voids the estimate, so the request's records add up to the real figure.
 */
import type { PriceResolver, PricingService } from '../pricing/pricing-service';
import type { Clock } from '../shared/clock';
import { AppError } from '../shared/errors';
import type { ModelPrice } from '../pricing/model-price';
import { addCosts, combineCalls, costOfCall, zeroCost, type PricedCall } from './cost-calculator';
import { costDelta, estimateIdFor, estimateVoidIdFor, isZeroCost, type CostRecord } from './cost-record';
import { estimateRecord, estimateVoid, type CostEstimateInput } from './estimate-records';
import { usageEventIdFor } from './usage-event';
import type { CostRecordStore, UsageEventStore } from './cost-stores';
import type { UsageEvent } from './usage-event';

export interface RepriceScope {
  organizationId: string;
  provider: string;
  model: string;
}

/** Where repricing work goes: an agenda job in the app, inline when none is given (unit tests). */
export interface RepriceQueue {
  enqueue(scope: RepriceScope): Promise<void>;
}

export interface CostTrackingDeps {
  usageEvents: UsageEventStore;
  costRecords: CostRecordStore;
  pricing: PricingService;
  clock: Clock;
  /** Called once per stored record (CostCalculated and live updates); not again on a replay. */
  announce?: (record: CostRecord) => Promise<void>;
  repriceQueue?: RepriceQueue;
}

export interface SetModelPriceResult {
  price: ModelPrice;
  /** `queued`: a background job reprices recorded costs; `done`: they were repriced inline. */
  repricing: 'queued' | 'done';
  /** Adjustments written inline (empty when queued: they arrive on costUpdates). */
  adjustments: CostRecord[];
}

export class CostTrackingService {
  constructor(private readonly deps: CostTrackingDeps) {}

  /** Stores a usage event on its own. Returns false when it was already stored. */
  recordUsage(event: UsageEvent): Promise<boolean> {
    return this.deps.usageEvents.insert(event);
  }

  private async priceEvent(event: UsageEvent, prices: PriceResolver) {
    const resolution = await prices.resolvePrice({
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

  private async chargeFor(event: UsageEvent, prices: PriceResolver): Promise<CostRecord> {
    const priced = await this.priceEvent(event, prices);
    const unpriced = priced.status === 'unpriced' || event.calls.some((c) => c.usageSource === 'missing');
    return {
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
  }

  /**
   * The cost-tracking listener's work for a batch of usage events: returns each event's charge
   * record, in order. Idempotent: a charge's id is its usage event id.
   */
  async trackBatch(events: UsageEvent[]): Promise<CostRecord[]> {
    const unique = [...new Map(events.map((e) => [e.id, e])).values()];
    const ids = unique.map((e) => e.id);
    // The usage events travel in the outbox row; keep them as their own documents for repricing
    // and analytics (an event stored by the request path itself is left as it is).
    await this.deps.usageEvents.insertMany(unique);
    const stored = await this.deps.costRecords.chargesFor(ids);
    const prices = this.deps.pricing.snapshot();
    const fresh = await Promise.all(
      unique.filter((e) => !stored.has(e.id)).map((e) => this.chargeFor(e, prices)),
    );
    const inserted = await this.deps.costRecords.insertMany(fresh);
    const lostRaces = fresh.filter((r) => !inserted.has(r.id)).map((r) => r.id);
    // Another run stored these between our read and our write: theirs is the record (and theirs
    // to announce).
    if (lostRaces.length > 0) {
      for (const [id, charge] of await this.deps.costRecords.chargesFor(lostRaces)) {
        stored.set(id, { ...charge, announced: true });
      }
    }
    const byId = new Map<string, CostRecord>([
      ...[...stored.entries()].map(([id, c]) => [id, c.record] as const),
      ...fresh.filter((r) => inserted.has(r.id)).map((r) => [r.id, r] as const),
    ]);
    const toAnnounce = [
      ...fresh.filter((r) => inserted.has(r.id)),
      // Stored by a run that died before announcing it.
      ...[...stored.values()].filter((c) => !c.announced).map((c) => c.record),
      ...(await this.voidEstimates([...byId.values()])),
    ];
    await this.announce(toAnnounce);
    return events.map((e) => {
      const record = byId.get(e.id);
      if (!record)
        throw new AppError('INTERNAL_SERVER_ERROR', `No charge record could be stored for ${e.id}`);
      return record;
    });
  }

  /**
   * Voids the estimates of requests whose charge is now stored (read after the charges were
   * written, so an estimate written concurrently is seen here or sees the charge itself). Returns
   * what to announce: new voids, and estimates or voids a run that died before announcing left.
   */
  private async voidEstimates(charges: CostRecord[]): Promise<CostRecord[]> {
    const ids = charges.flatMap((c) => [estimateIdFor(c.id), estimateVoidIdFor(c.id)]);
    const found = await this.deps.costRecords.byIds(ids);
    const estimated = charges.filter((c) => found.has(estimateIdFor(c.id)));
    if (estimated.length === 0) return [];
    const now = this.deps.clock.now();
    const voids = estimated
      .filter((c) => !found.has(estimateVoidIdFor(c.id)))
      .map((c) => estimateVoid(found.get(estimateIdFor(c.id))!.record, c, now));
    const inserted = await this.deps.costRecords.insertMany(voids);
    // An estimate whose sweep died before announcing it goes out too, or reports built from the
    // announcements would count its void without it.
    const leftBehind = estimated
      .flatMap((c) => [found.get(estimateIdFor(c.id)), found.get(estimateVoidIdFor(c.id))])
      .filter((r) => r && !r.announced)
      .map((r) => r!.record);
    return [...voids.filter((v) => inserted.has(v.id)), ...leftBehind];
  }

  /**
   * Charges a request's worst case because its real cost never arrived (its budget hold expired
   * unsettled: the process died during the provider call). Idempotent: a re-run writes nothing
   * new and only announces what is still unannounced. Returns null, writing nothing, when the
   * request's charge is already stored (its settlement is merely late).
   */
  async recordEstimate(input: CostEstimateInput): Promise<CostRecord | null> {
    const usageEventId = usageEventIdFor(input.requestId);
    if ((await this.deps.costRecords.chargesFor([usageEventId])).size > 0) return null;
    const estimate = estimateRecord(input, this.deps.clock.now());
    await this.deps.costRecords.insert(estimate);
    // A charge stored between the check and the insert may have missed the estimate: void it here.
    const charge = (await this.deps.costRecords.chargesFor([usageEventId])).get(usageEventId);
    const ids = [estimate.id, estimateVoidIdFor(usageEventId)];
    let found = await this.deps.costRecords.byIds(ids);
    if (charge && !found.has(ids[1]!)) {
      await this.deps.costRecords.insert(
        estimateVoid(found.get(estimate.id)!.record, charge.record, estimate.recordedAt),
      );
      found = await this.deps.costRecords.byIds(ids);
    }
    await this.announce([...found.values()].filter((r) => !r.announced).map((r) => r.record));
    return found.get(estimate.id)!.record;
  }

  /** Announces records, marks the ones that went out, then reports the first failure. */
  private async announce(records: CostRecord[]): Promise<void> {
    if (records.length === 0) return;
    const announce = this.deps.announce;
    const results = await Promise.allSettled(records.map((r) => (announce ? announce(r) : undefined)));
    await this.deps.costRecords.markAnnounced(
      records.filter((_, i) => results[i]!.status === 'fulfilled').map((r) => r.id),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  }

  /** Stored usage events by id (those that exist). */
  usageEvents(ids: string[]): Promise<Map<string, UsageEvent>> {
    return this.deps.usageEvents.getMany(ids);
  }

  /** Prices one stored usage event (a replay by hand, or an event whose row carries no usage). */
  async trackCost(usageEventId: string): Promise<CostRecord> {
    const event = await this.deps.usageEvents.get(usageEventId);
    if (!event) {
      throw new AppError('NOT_FOUND', `Usage event ${usageEventId} does not exist; it cannot be priced.`);
    }
    const [record] = await this.trackBatch([event]);
    return record!;
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
    const prices = this.deps.pricing.snapshot();
    const events = await this.deps.usageEvents.getMany(charges.map((c) => c.usageEventId));
    const written: CostRecord[] = [];
    for (const charge of charges) {
      const adjustment = await this.adjustmentFor(charge, events.get(charge.usageEventId), prices);
      if (adjustment && (await this.deps.costRecords.insert(adjustment))) written.push(adjustment);
    }
    await this.announce(written);
    return written;
  }

  /**
   * Records an organisation price (`setModelPrice`) and hands repricing of the requests it
   * applies to to the background job; without a queue (unit tests) it reprices inline.
   */
  async setModelPrice(organizationId: string, input: unknown, actor?: string): Promise<SetModelPriceResult> {
    const price = await this.deps.pricing.setModelPrice(organizationId, input, actor);
    const scope = { organizationId, provider: price.provider, model: price.model };
    if (this.deps.repriceQueue) {
      await this.deps.repriceQueue.enqueue(scope);
      return { price, repricing: 'queued', adjustments: [] };
    }
    return { price, repricing: 'done', adjustments: await this.reprice(scope) };
  }

  private async adjustmentFor(
    charge: CostRecord,
    event: UsageEvent | undefined,
    prices: PriceResolver,
  ): Promise<CostRecord | undefined> {
    if (!event || event.calls.some((c) => c.usageSource === 'missing')) return undefined;
    const priced = await this.priceEvent(event, prices);
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
