/**
 * Every expected amount below is worked out by hand in the comment beside it:
 * tokens × USD-per-MTok / 1,000,000, in nano-USD (1 USD = 1e9).
 */
import { defaultCatalog } from '../pricing/catalog';
import type { ModelPrice } from '../pricing/model-price';
import { InMemoryPriceOverrideStore } from '../pricing/price-override-store';
import { PricingService } from '../pricing/pricing-service';
import { makeUsage } from '../providers/usage/normalised-usage';
import { formatUsd } from '../shared/money';
import { combineCalls, costOfCall, effectiveRates } from './cost-calculator';
import { priceRequest } from './request-pricer';

const at = new Date('2025-10-15T00:00:00Z');
const catalogPrice = (provider: string, model: string) => defaultCatalog.priceAt(provider, model, at)!;

describe('costOfCall', () => {
  it('prices OpenAI cached input separately from uncached input (no double counting)', () => {
    // gpt-4o: input $2.50, cached $1.25, output $10 per MTok
    const usage = makeUsage({ inputUncached: 1_000, cacheRead: 2_000, output: 500 });
    const call = costOfCall(usage, catalogPrice('openai', 'gpt-4o'));
    expect(call.status).toBe('priced');
    if (call.status !== 'priced') return;
    expect(call.cost.inputUncached).toBe(2_500_000n); // 1000 × 2.50 / 1e6 = $0.0025
    expect(call.cost.cacheRead).toBe(2_500_000n); // 2000 × 1.25 / 1e6 = $0.0025
    expect(call.cost.output).toBe(5_000_000n); // 500 × 10 / 1e6 = $0.005
    expect(call.cost.total).toBe(10_000_000n); // $0.01
    expect(formatUsd(call.cost.total)).toBe('0.01');
    expect(call.priceVersion).toBe('catalog:openai/gpt-4o@2024-10-02');
    expect(call.tier).toBeNull();
  });

  it('prices Anthropic 5m and 1h cache writes at their own rates', () => {
    // claude-sonnet-4-5: input $3, 5m write $3.75, 1h write $6, read $0.30, output $15
    const usage = makeUsage({
      inputUncached: 10,
      cacheRead: 50_000,
      cacheWrite5m: 1_000,
      cacheWrite1h: 2_000,
      output: 300,
    });
    const call = costOfCall(usage, catalogPrice('anthropic', 'claude-sonnet-4-5'));
    if (call.status !== 'priced') throw new Error('expected priced');
    expect(call.cost).toEqual({
      inputUncached: 30_000n, // 10 × 3 / 1e6 = $0.00003
      cacheRead: 15_000_000n, // 50,000 × 0.30 / 1e6 = $0.015
      cacheWrite5m: 3_750_000n, // 1,000 × 3.75 / 1e6 = $0.00375
      cacheWrite1h: 12_000_000n, // 2,000 × 6 / 1e6 = $0.012
      output: 4_500_000n, // 300 × 15 / 1e6 = $0.0045
      reasoning: 0n,
      total: 35_280_000n, // $0.03528
    });
  });

  it('switches every component to the long-context tier when the prompt exceeds it', () => {
    // gemini-2.5-pro > 200K prompt: input $2.50, cached $0.25, output (and thinking) $15
    const usage = makeUsage({ inputUncached: 200_000, cacheRead: 50_000, output: 1_000, reasoning: 4_000 });
    const call = costOfCall(usage, catalogPrice('google', 'gemini-2.5-pro'));
    if (call.status !== 'priced') throw new Error('expected priced');
    expect(call.tier).toBe(200_000);
    expect(call.cost.inputUncached).toBe(500_000_000n); // 200,000 × 2.50 / 1e6 = $0.50
    expect(call.cost.cacheRead).toBe(12_500_000n); // 50,000 × 0.25 / 1e6 = $0.0125
    expect(call.cost.output).toBe(15_000_000n); // 1,000 × 15 / 1e6 = $0.015
    expect(call.cost.reasoning).toBe(60_000_000n); // 4,000 × 15 / 1e6 = $0.06
    expect(call.cost.total).toBe(587_500_000n);
  });

  it('keeps base rates at exactly the tier boundary', () => {
    // 200,000 prompt tokens is not "over 200K": $1.25 × 0.2 = $0.25
    const call = costOfCall(makeUsage({ inputUncached: 200_000 }), catalogPrice('google', 'gemini-2.5-pro'));
    expect(call.status === 'priced' && call.tier).toBeNull();
    expect(call.status === 'priced' && call.cost.total).toBe(250_000_000n);
  });

  it('rounds each component half-up once, and the total is the sum of the rounded components', () => {
    const price: ModelPrice = {
      ...catalogPrice('openai', 'gpt-4o'),
      rates: { input: 1_500n, output: 1_500n }, // $0.0000015 per MTok = 0.0015 nano per token
      tiers: [],
    };
    // 333 × 0.0015 = 0.4995 nano -> 0 ; 334 × 0.0015 = 0.501 nano -> 1
    const call = costOfCall(makeUsage({ inputUncached: 333, output: 334 }), price);
    expect(call.status === 'priced' && call.cost).toMatchObject({ inputUncached: 0n, output: 1n, total: 1n });
  });

  it('falls back to the input rate for cache components and the output rate for reasoning when unpriced', () => {
    const rates = effectiveRates({ input: 7n, output: 11n });
    expect(rates).toEqual({
      inputUncached: 7n,
      cacheRead: 7n,
      cacheWrite5m: 7n,
      cacheWrite1h: 7n,
      output: 11n,
      reasoning: 11n,
    });
    expect(effectiveRates({ input: 7n, cacheWrite5m: 9n, output: 11n, reasoning: 13n }).cacheWrite1h).toBe(
      9n,
    );
  });
});

describe('combineCalls and priceRequest', () => {
  it('prices each model call of a tool loop and sums them', () => {
    const price = catalogPrice('openai', 'gpt-4o-mini'); // $0.15 in, $0.075 cached, $0.60 out
    const first = costOfCall(makeUsage({ inputUncached: 1_000, output: 50 }), price); // 150,000 + 30,000
    const second = costOfCall(makeUsage({ inputUncached: 200, cacheRead: 1_024, output: 80 }), price); // 30,000 + 76,800 + 48,000
    const request = combineCalls([first, second]);
    expect(request.status).toBe('priced');
    expect(request.cost.total).toBe(334_800n); // $0.0003348
    expect(request.usage).toMatchObject({ inputUncached: 1_200, cacheRead: 1_024, output: 130 });
    expect(request.priceVersions).toEqual(['catalog:openai/gpt-4o-mini@2024-10-01']);
  });

  it('marks the request unpriced when the model has no price, keeping its usage', async () => {
    const pricing = new PricingService(new InMemoryPriceOverrideStore());
    const request = await priceRequest(pricing, {
      organizationId: 'o',
      provider: 'openai',
      model: 'gpt-9-experimental',
      at,
      calls: [makeUsage({ inputUncached: 10, output: 5 }), makeUsage({ inputUncached: 3 })],
    });
    expect(request.status).toBe('unpriced');
    expect(request.calls.every((c) => c.status === 'unpriced')).toBe(true);
    expect(request.usage.inputUncached).toBe(13);
    expect(request.cost.total).toBe(0n);
    expect(request.priceVersions).toEqual([]);
  });

  it('prices a request with the organisation price in force at the request time', async () => {
    const pricing = new PricingService(new InMemoryPriceOverrideStore());
    await pricing.setModelPrice('o', {
      provider: 'xai',
      model: 'grok-4',
      inputPerMTok: '3',
      outputPerMTok: '15',
      effectiveFrom: '2025-01-01',
    });
    const request = await priceRequest(pricing, {
      organizationId: 'o',
      provider: 'xai',
      model: 'grok-4',
      at,
      calls: [makeUsage({ inputUncached: 1_000, output: 1_000 })],
    });
    expect(request.status).toBe('priced');
    expect(request.cost.total).toBe(18_000_000n); // 1000 × 3 + 1000 × 15 = 18,000 µUSD = $0.018
  });
});
