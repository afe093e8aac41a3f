import { AppError } from '../shared/errors';
import { InMemoryPriceOverrideStore } from './price-override-store';
import { PricingService } from './pricing-service';

const ORG = 'org-1';
const d = (iso: string) => new Date(iso);

function service(now = '2025-09-01T00:00:00Z') {
  let clock = d(now);
  const pricing = new PricingService(new InMemoryPriceOverrideStore(), undefined, () => clock);
  return { pricing, setNow: (iso: string) => (clock = d(iso)) };
}

const basePrice = { inputPerMTok: '2.00', outputPerMTok: '8.00' };

describe('PricingService.resolvePrice', () => {
  it('flags an unknown model as unpriced, never $0', async () => {
    const { pricing } = service();
    const result = await pricing.resolvePrice({
      organizationId: ORG,
      provider: 'xai',
      model: 'grok-4',
      at: d('2025-09-01'),
    });
    expect(result).toEqual({
      status: 'unpriced',
      provider: 'xai',
      model: 'grok-4',
      reason: expect.stringContaining('setModelPrice'),
    });
  });

  it('prices an unknown model once the organisation sets a price, from its effective date', async () => {
    const { pricing } = service();
    await pricing.setModelPrice(ORG, {
      provider: 'XAI',
      model: 'grok-4',
      ...basePrice,
      effectiveFrom: '2025-08-01',
    });
    const before = await pricing.resolvePrice({
      organizationId: ORG,
      provider: 'xai',
      model: 'grok-4',
      at: d('2025-07-31'),
    });
    const after = await pricing.resolvePrice({
      organizationId: ORG,
      provider: 'xai',
      model: 'grok-4',
      at: d('2025-08-01'),
    });
    expect(before.status).toBe('unpriced');
    expect(after.status === 'priced' && after.price.rates.input).toBe(2_000_000_000n);
    // Another organisation does not see it.
    const other = await pricing.resolvePrice({
      organizationId: 'org-2',
      provider: 'xai',
      model: 'grok-4',
      at: d('2025-09-01'),
    });
    expect(other.status).toBe('unpriced');
  });

  it('lets a negotiated price override the catalog only from its effectiveFrom', async () => {
    const { pricing } = service();
    const set = await pricing.setModelPrice(
      ORG,
      {
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        inputPerMTok: '2.00',
        outputPerMTok: '9',
        effectiveFrom: '2025-03-01T00:00:00Z',
      },
      'user-7',
    );
    expect(set.model).toBe('gpt-4o'); // stored under the canonical name
    expect(set.origin).toBe('override');
    expect(set.source).toBe('set by user-7');
    const query = { organizationId: ORG, provider: 'openai', model: 'gpt-4o' };
    const early = await pricing.resolvePrice({ ...query, at: d('2025-02-28T23:59:59Z') });
    const late = await pricing.resolvePrice({
      ...query,
      model: 'gpt-4o-2024-11-20',
      at: d('2025-03-01T00:00:00Z'),
    });
    expect(early.status === 'priced' && early.price.origin).toBe('catalog');
    expect(late.status === 'priced' && late.price.rates.output).toBe(9_000_000_000n);
    expect(late.status === 'priced' && late.price.version).toBe(set.version);
  });

  it('keeps history: a later price wins from its date, a same-date correction wins over the original', async () => {
    const { pricing, setNow } = service();
    await pricing.setModelPrice(ORG, {
      provider: 'xai',
      model: 'grok-4',
      ...basePrice,
      effectiveFrom: '2025-01-01',
    });
    await pricing.setModelPrice(ORG, {
      provider: 'xai',
      model: 'grok-4',
      inputPerMTok: '3',
      outputPerMTok: '9',
      effectiveFrom: '2025-06-01',
    });
    setNow('2025-09-02T00:00:00Z');
    await pricing.setModelPrice(ORG, {
      provider: 'xai',
      model: 'grok-4',
      inputPerMTok: '4',
      outputPerMTok: '9',
      effectiveFrom: '2025-06-01',
    });
    const q = { organizationId: ORG, provider: 'xai', model: 'grok-4' };
    const jan = await pricing.resolvePrice({ ...q, at: d('2025-03-01') });
    const jul = await pricing.resolvePrice({ ...q, at: d('2025-07-01') });
    expect(jan.status === 'priced' && jan.price.rates.input).toBe(2_000_000_000n);
    expect(jul.status === 'priced' && jul.price.rates.input).toBe(4_000_000_000n);
    const [listing] = await pricing.listModelPrices(ORG, { provider: 'xai' });
    expect(listing?.history.map((p) => p.rates.input)).toEqual([
      2_000_000_000n,
      3_000_000_000n,
      4_000_000_000n,
    ]);
  });

  it('applies one cache-write price to both TTLs unless a 1h price is given, and stores tiers sorted', async () => {
    const { pricing } = service();
    const price = await pricing.setModelPrice(ORG, {
      provider: 'anthropic',
      model: 'claude-custom',
      inputPerMTok: '3',
      cachedInputPerMTok: '0.3',
      cacheWritePerMTok: '3.75',
      outputPerMTok: '15',
      reasoningPerMTok: '20',
      effectiveFrom: '2025-01-01',
      tiers: [
        { abovePromptTokens: 500_000, inputPerMTok: '9', outputPerMTok: '30' },
        { abovePromptTokens: 200_000, inputPerMTok: '6', outputPerMTok: '22.5', cacheWrite1hPerMTok: '12' },
      ],
    });
    expect(price.rates).toMatchObject({
      cacheWrite5m: 3_750_000_000n,
      cacheWrite1h: 3_750_000_000n,
      reasoning: 20_000_000_000n,
    });
    expect(price.tiers.map((t) => t.abovePromptTokens)).toEqual([200_000, 500_000]);
    expect(price.tiers[0]?.rates.cacheWrite1h).toBe(12_000_000_000n);
  });
});

describe('setModelPrice validation', () => {
  const valid = { provider: 'openai', model: 'gpt-4o', ...basePrice, effectiveFrom: '2025-01-01' };

  it.each([
    [{ ...valid, inputPerMTok: 2.5 }, 'inputPerMTok'],
    [{ ...valid, inputPerMTok: '-1' }, 'inputPerMTok'],
    [{ ...valid, outputPerMTok: '1e3' }, 'outputPerMTok'],
    [{ ...valid, outputPerMTok: undefined }, 'outputPerMTok'],
    [{ ...valid, cachedInputPerMTok: '0.0000000001' }, 'cachedInputPerMTok'],
    [{ ...valid, effectiveFrom: 'not a date' }, 'effectiveFrom'],
    [{ ...valid, provider: 'Open AI!' }, 'provider'],
    [{ ...valid, model: ' ' }, 'model'],
    [{ ...valid, tiers: [{ abovePromptTokens: 0, ...basePrice }] }, 'tiers.0.abovePromptTokens'],
  ])('refuses %j naming the field', async (input, field) => {
    const { pricing } = service();
    const error = await pricing.setModelPrice(ORG, input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('BAD_USER_INPUT');
    expect((error as AppError).message).toContain(field);
  });
});

describe('listModelPrices', () => {
  it('lists catalog and organisation prices with the one in force now', async () => {
    const { pricing } = service('2025-09-01T00:00:00Z');
    await pricing.setModelPrice(ORG, {
      provider: 'openai',
      model: 'gpt-4o',
      inputPerMTok: '1',
      outputPerMTok: '4',
      effectiveFrom: '2025-08-01',
    });
    await pricing.setModelPrice(ORG, {
      provider: 'openai',
      model: 'future-model',
      ...basePrice,
      effectiveFrom: '2030-01-01',
    });
    const listings = await pricing.listModelPrices(ORG, { provider: 'openai' });
    const gpt4o = listings.find((l) => l.model === 'gpt-4o');
    expect(gpt4o?.current.origin).toBe('override');
    expect(gpt4o?.history.map((p) => p.origin)).toEqual(['catalog', 'override']);
    expect(listings.find((l) => l.model === 'future-model')).toBeUndefined();
    expect(listings.every((l) => l.provider === 'openai')).toBe(true);
    const all = await pricing.listModelPrices(ORG);
    expect(new Set(all.map((l) => l.provider))).toEqual(new Set(['anthropic', 'google', 'openai']));
  });
});
