/** Cost tracking end to end on in-memory stores; every amount is worked out by hand beside it. */
import { InMemoryPriceOverrideStore } from '../pricing/price-override-store';
import { PricingService } from '../pricing/pricing-service';
import { makeUsage } from '../providers/usage/normalised-usage';
import { FakeClock } from '../shared/clock';
import { groupCostRecords } from './cost-breakdown';
import type { CostRecord } from './cost-record';
import { InMemoryCostRecordStore, InMemoryUsageEventStore } from './cost-stores';
import { CostTrackingService } from './cost-tracking-service';
import { usageEventIdFor, type UsageEvent, type UsageEventCall } from './usage-event';

const ORG = 'org-a';

function setup() {
  const clock = new FakeClock('2025-10-01T00:00:00Z');
  const pricing = new PricingService(new InMemoryPriceOverrideStore(), undefined, () => clock.now());
  const costRecords = new InMemoryCostRecordStore();
  const usageEvents = new InMemoryUsageEventStore();
  const announced: CostRecord[] = [];
  const costs = new CostTrackingService({
    usageEvents,
    costRecords,
    pricing,
    clock,
    announce: async (record) => {
      announced.push(record);
    },
  });
  return { clock, pricing, costRecords, costs, announced };
}

const call = (
  index: number,
  usage: Parameters<typeof makeUsage>[0],
  extra: Partial<UsageEventCall> = {},
): UsageEventCall => ({
  index,
  usage: makeUsage(usage),
  partial: false,
  usageSource: 'raw',
  ...extra,
});

function usageEvent(requestId: string, over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    id: usageEventIdFor(requestId),
    organizationId: ORG,
    projectId: 'proj-1',
    userId: 'user-1',
    apiKeyId: 'key-1',
    requestId,
    conversationId: 'conv-1',
    messageId: 'msg-1',
    provider: 'openai',
    model: 'gpt-4o-2024-08-06',
    calls: [call(0, { inputUncached: 1_000, cacheRead: 2_000, output: 500 })],
    outcome: 'succeeded',
    requestedAt: new Date('2025-09-30T22:30:00Z'),
    latencyMs: 420,
    ...over,
  };
}

describe('CostTrackingService.trackCost', () => {
  it('writes one immutable charge record with the hand-computed cost and announces it', async () => {
    const { costs, announced } = setup();
    expect(await costs.recordUsage(usageEvent('r1'))).toBe(true);
    expect(await costs.recordUsage(usageEvent('r1'))).toBe(false); // idempotent id
    const record = await costs.trackCost('ue_r1');
    // gpt-4o: 1000 × $2.50 + 2000 × $1.25 + 500 × $10 per MTok = $0.0025 + $0.0025 + $0.005
    expect(record).toMatchObject({
      id: 'ue_r1',
      kind: 'charge',
      status: 'priced',
      requestId: 'r1',
      projectId: 'proj-1',
      apiKeyId: 'key-1',
      conversationId: 'conv-1',
      messageId: 'msg-1',
      modelCalls: 1,
      requestCount: 1,
      latencyMs: 420,
      priceVersions: ['catalog:openai/gpt-4o@2024-10-02'],
    });
    expect(record.cost.total).toBe(10_000_000n);
    expect(announced.map((r) => r.id)).toEqual(['ue_r1']);
  });

  it('counts a job that runs twice once, and announces it once', async () => {
    const { costs, costRecords, announced } = setup();
    await costs.recordUsage(usageEvent('r2'));
    const first = await costs.trackCost('ue_r2');
    const second = await costs.trackCost('ue_r2');
    const [third] = await costs.trackBatch([usageEvent('r2')]);
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(costRecords.size()).toBe(1);
    expect(announced.map((r) => r.id)).toEqual(['ue_r2']);
  });

  it('prices a batch in one pass, each event once even when it appears twice', async () => {
    const { costs, costRecords, announced } = setup();
    const records = await costs.trackBatch([
      usageEvent('b1'),
      usageEvent('b2', { model: 'gpt-4o-mini' }),
      usageEvent('b1'),
    ]);
    expect(records.map((r) => r.id)).toEqual(['ue_b1', 'ue_b2', 'ue_b1']);
    // gpt-4o-mini: 1000 × $0.15 + 2000 × $0.075 + 500 × $0.60 per MTok = $0.0006
    expect(records[1]?.cost.total).toBe(600_000n);
    expect(costRecords.size()).toBe(2);
    expect(announced.map((r) => r.id).sort()).toEqual(['ue_b1', 'ue_b2']);
    expect((await costs.usageEvents(['ue_b1', 'ue_b2', 'ue_none'])).size).toBe(2);
  });

  it('announces a record stored by a run that died before announcing it, on the replay only', async () => {
    const { clock, pricing, costRecords } = setup();
    const announced: string[] = [];
    let failNext = true;
    const costs = new CostTrackingService({
      usageEvents: new InMemoryUsageEventStore(),
      costRecords,
      pricing,
      clock,
      announce: async (record) => {
        if (failNext) {
          failNext = false;
          throw new Error('process died');
        }
        announced.push(record.id);
      },
    });
    await expect(costs.trackBatch([usageEvent('d1')])).rejects.toThrow('process died');
    expect(costRecords.size()).toBe(1); // stored, not announced
    await costs.trackBatch([usageEvent('d1')]);
    await costs.trackBatch([usageEvent('d1')]);
    expect(announced).toEqual(['ue_d1']);
  });

  it('reprices inline when no job queue is configured', async () => {
    const { costs } = setup();
    await costs.trackBatch([usageEvent('s1', { provider: 'xai', model: 'grok-4' })]);
    const result = await costs.setModelPrice(ORG, {
      provider: 'xai',
      model: 'grok-4',
      inputPerMTok: '3',
      outputPerMTok: '15',
      effectiveFrom: '2025-01-01',
    });
    expect(result.repricing).toBe('done');
    // 1000 × $3 + 2000 × $3 (cache read falls back to input) + 500 × $15 per MTok = $0.0165
    expect(result.adjustments.map((a) => a.cost.total)).toEqual([16_500_000n]);
  });

  it('hands repricing to the queue when one is configured', async () => {
    const { clock, pricing } = setup();
    const queued: unknown[] = [];
    const costs = new CostTrackingService({
      usageEvents: new InMemoryUsageEventStore(),
      costRecords: new InMemoryCostRecordStore(),
      pricing,
      clock,
      repriceQueue: { enqueue: async (scope) => void queued.push(scope) },
    });
    const result = await costs.setModelPrice(ORG, {
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      inputPerMTok: '2',
      outputPerMTok: '8',
      effectiveFrom: '2025-01-01',
    });
    expect(result).toMatchObject({ repricing: 'queued', adjustments: [] });
    expect(queued).toEqual([{ organizationId: ORG, provider: 'openai', model: 'gpt-4o' }]);
  });

  it('prices each model call of a tool loop with its own long-context tier and sums them', async () => {
    const { costs } = setup();
    await costs.recordUsage(
      usageEvent('r3', {
        provider: 'google',
        model: 'gemini-2.5-pro',
        calls: [
          call(0, { inputUncached: 150_000, output: 1_000 }),
          call(1, { inputUncached: 250_000, output: 2_000 }),
        ],
      }),
    );
    const record = await costs.trackCost('ue_r3');
    // call 0 (base): 150,000 × 1.25 + 1,000 × 10 = 0.1875 + 0.01 = $0.1975
    // call 1 (>200K): 250,000 × 2.50 + 2,000 × 15 = 0.625 + 0.03 = $0.655
    expect(record.cost.total).toBe(852_500_000n);
    expect(record.modelCalls).toBe(2);
    expect(record.usage).toMatchObject({ inputUncached: 400_000, output: 3_000 });
  });

  it('records an unknown model as unpriced, never $0, and reprices it once a price is set', async () => {
    const { costs, pricing, costRecords } = setup();
    await costs.recordUsage(
      usageEvent('r4', {
        provider: 'xai',
        model: 'grok-4',
        calls: [call(0, { inputUncached: 2_000, output: 1_000 })],
      }),
    );
    const charge = await costs.trackCost('ue_r4');
    expect(charge).toMatchObject({ status: 'unpriced', unpricedDelta: 1, priceVersions: [] });
    expect(await costs.reprice({ organizationId: ORG, provider: 'xai', model: 'grok-4' })).toEqual([]);

    await pricing.setModelPrice(ORG, {
      provider: 'xai',
      model: 'grok-4',
      inputPerMTok: '3',
      outputPerMTok: '15',
      effectiveFrom: '2025-01-01',
    });
    const [adjustment] = await costs.reprice({ organizationId: ORG, provider: 'xai', model: 'grok-4' });
    // 2000 × $3 + 1000 × $15 per MTok = $0.006 + $0.015 = $0.021
    expect(adjustment).toMatchObject({
      kind: 'adjustment',
      adjusts: 'ue_r4',
      status: 'priced',
      unpricedDelta: -1,
      requestCount: 0,
    });
    expect(adjustment?.cost.total).toBe(21_000_000n);
    expect(await costs.reprice({ organizationId: ORG, provider: 'xai', model: 'grok-4' })).toEqual([]);

    const [total] = groupCostRecords(await costRecords.find({ organizationId: ORG }), []);
    expect(total?.totals).toMatchObject({ requests: 1, unpricedRequests: 0, records: 2 });
    expect(total?.totals.cost.total).toBe(21_000_000n);
    expect(total?.totals.usage).toMatchObject({ inputUncached: 2_000, output: 1_000 }); // tokens counted once
    // The original record is untouched.
    expect((await costRecords.forUsageEvent('ue_r4'))[0]).toEqual(charge);
  });

  it('writes a negative adjustment when a negotiated price applies retroactively', async () => {
    const { costs, pricing, costRecords } = setup();
    await costs.recordUsage(usageEvent('r5'));
    await costs.trackCost('ue_r5'); // $0.01 at list price
    await pricing.setModelPrice(ORG, {
      provider: 'openai',
      model: 'gpt-4o',
      inputPerMTok: '2',
      cachedInputPerMTok: '1',
      outputPerMTok: '8',
      effectiveFrom: '2025-09-01',
    });
    const [adjustment] = await costs.reprice({
      organizationId: ORG,
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
    });
    // new: 1000 × 2 + 2000 × 1 + 500 × 8 = $0.008 -> delta -$0.002
    expect(adjustment?.cost).toMatchObject({
      inputUncached: -500_000n,
      cacheRead: -500_000n,
      output: -1_000_000n,
      total: -2_000_000n,
    });
    const all = await costRecords.find({ organizationId: ORG });
    expect(groupCostRecords(all, [])[0]?.totals.cost.total).toBe(8_000_000n);
  });

  it('flags missing usage as unpriced and incomplete instead of charging $0, and never reprices it', async () => {
    const { costs } = setup();
    await costs.recordUsage(usageEvent('r6', { calls: [call(0, {}, { usageSource: 'missing' })] }));
    const record = await costs.trackCost('ue_r6');
    expect(record).toMatchObject({ status: 'unpriced', usageIncomplete: true, unpricedDelta: 1 });
    expect(
      await costs.reprice({ organizationId: ORG, provider: 'openai', model: 'gpt-4o-2024-08-06' }),
    ).toEqual([]);
  });

  it('records the charged partial usage of a failed request', async () => {
    const { costs } = setup();
    await costs.recordUsage(
      usageEvent('r7', { outcome: 'failed', calls: [call(0, { inputUncached: 4_000 }, { partial: true })] }),
    );
    const record = await costs.trackCost('ue_r7');
    expect(record).toMatchObject({ status: 'priced', usageIncomplete: true });
    expect(record.cost.total).toBe(10_000_000n); // 4000 × $2.50 / 1e6 = $0.01
  });

  it('refuses to price a usage event that was never stored', async () => {
    const { costs } = setup();
    await expect(costs.trackCost('ue_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('CostTrackingService estimates (a hold expired because its process died)', () => {
  const estimateFor = (requestId: string) => ({
    requestId,
    organizationId: ORG,
    projectId: 'proj-1',
    userId: 'user-1',
    apiKeyId: 'key-1',
    provider: 'openai',
    model: 'gpt-4o-2024-08-06',
    requestedAt: new Date('2025-09-30T22:30:00Z'),
    amountNano: 50_000_000n, // the hold's worst case, $0.05
    reason: 'HOLD_EXPIRED' as const,
  });
  const sum = (records: CostRecord[]) => records.reduce((s, r) => s + r.cost.total, 0n);

  it('charges the worst case once, then voids it when the real usage arrives, so totals equal the real cost', async () => {
    const { costs, costRecords, announced } = setup();
    const estimate = await costs.recordEstimate(estimateFor('r1'));
    expect(estimate).toMatchObject({ kind: 'estimate', status: 'estimated', requestCount: 1 });
    expect(await costs.recordEstimate(estimateFor('r1'))).toEqual(estimate); // a re-run sweep
    expect(announced.map((r) => r.kind)).toEqual(['estimate']);

    const [charge] = await costs.trackBatch([usageEvent('r1')]);
    await costs.trackBatch([usageEvent('r1')]); // replayed
    const records = await costRecords.forUsageEvent('ue_r1');
    expect(records.map((r) => `${r.kind}:${r.id}`).sort()).toEqual([
      'adjustment:ue_r1:estimate:void',
      'charge:ue_r1',
      'estimate:ue_r1:estimate',
    ]);
    // $0.01 real cost: the estimate and its void cancel, cost and request count alike.
    expect(sum(records)).toBe(charge!.cost.total);
    expect(charge!.cost.total).toBe(10_000_000n);
    expect(records.reduce((n, r) => n + r.requestCount, 0)).toBe(1);
    expect(announced.map((r) => r.kind)).toEqual(['estimate', 'charge', 'adjustment']);
  });

  it('writes no estimate for a request whose charge is already recorded', async () => {
    const { costs, costRecords } = setup();
    await costs.trackBatch([usageEvent('r2')]);
    expect(await costs.recordEstimate(estimateFor('r2'))).toBeNull();
    expect((await costRecords.forUsageEvent('ue_r2')).map((r) => r.kind)).toEqual(['charge']);
  });

  it('voids an estimate whose charge landed between its check and its write', async () => {
    const { costs, costRecords } = setup();
    const chargesFor = costRecords.chargesFor.bind(costRecords);
    // The charge is stored (by a tracking run that read no estimate yet) right after the check.
    jest.spyOn(costRecords, 'chargesFor').mockImplementationOnce(async (ids) => {
      const none = await chargesFor(ids);
      await costs.trackBatch([usageEvent('r3')]);
      return none;
    });
    await costs.recordEstimate(estimateFor('r3'));
    const records = await costRecords.forUsageEvent('ue_r3');
    expect(records).toHaveLength(3);
    expect(sum(records)).toBe(10_000_000n);
  });
});
