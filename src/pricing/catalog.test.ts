import { CHEAPER_ALTERNATIVES, cheaperAlternatives, modelTier } from './alternatives';
import { CATALOG } from './catalog-data';
import { defaultCatalog, PriceCatalog } from './catalog';
import { candidateModelNames } from './model-names';

const at = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('shipped catalog', () => {
  it('has a source and an effective date on every row, and covers each major provider', () => {
    for (const row of CATALOG) {
      expect(row.source).toMatch(/^https:\/\//);
      expect(row.effectiveFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expect(defaultCatalog.providers()).toEqual(['anthropic', 'google', 'openai']);
    expect(defaultCatalog.models('openai')).toEqual(expect.arrayContaining(['gpt-4o', 'gpt-4o-mini', 'o3']));
    expect(defaultCatalog.models('unknown')).toEqual([]);
  });

  it('prices Anthropic cache writes by TTL and Gemini/Claude long context by tier', () => {
    const sonnet = defaultCatalog.priceAt('anthropic', 'claude-sonnet-4-5', at('2025-10-01'))!;
    expect(sonnet.rates.cacheWrite5m).toBe(3_750_000_000n);
    expect(sonnet.rates.cacheWrite1h).toBe(6_000_000_000n);
    expect(sonnet.tiers[0]?.abovePromptTokens).toBe(200_000);
    expect(defaultCatalog.priceAt('google', 'gemini-2.5-pro', at('2025-10-01'))!.tiers[0]?.rates.input).toBe(
      2_500_000_000n,
    );
  });
});

describe('model name lookup', () => {
  it.each([
    ['openai', 'gpt-4o-2024-08-06', 'gpt-4o'],
    ['openai', 'GPT-4o', 'gpt-4o'],
    ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai', 'o3-2025-04-16', 'o3'],
    ['openai', 'gpt-4o-2024-05-13', 'gpt-4o-2024-05-13'],
    ['anthropic', 'claude-sonnet-4-20250514', 'claude-sonnet-4-0'],
    ['anthropic', 'claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['anthropic', 'claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['google', 'models/gemini-2.5-flash', 'gemini-2.5-flash'],
    ['google', 'gemini-2.0-flash-001', 'gemini-2.0-flash'],
  ])('%s %s -> %s', (provider, model, canonical) => {
    expect(defaultCatalog.canonicalModel(provider, model)).toBe(canonical);
  });

  it('never matches by prefix, so a cheaper or unknown model is not given another model’s price', () => {
    expect(defaultCatalog.canonicalModel('openai', 'gpt-4')).toBeUndefined();
    expect(defaultCatalog.canonicalModel('openai', 'gpt-4o-mini-search-preview')).toBeUndefined();
    expect(defaultCatalog.canonicalModel('openai', 'claude-sonnet-4-5')).toBeUndefined();
    expect(defaultCatalog.canonicalModel('xai', 'grok-4')).toBeUndefined();
    expect(defaultCatalog.priceAt('openai', 'gpt-unknown', at('2025-10-01'))).toBeUndefined();
  });

  it('lists the most specific candidate names first', () => {
    expect(candidateModelNames('models/Gemini-1.5-Pro-002')).toEqual([
      'gemini-1.5-pro-002',
      'gemini-1.5-pro',
    ]);
    expect(candidateModelNames('claude-3-7-sonnet-20250219')).toEqual([
      'claude-3-7-sonnet-20250219',
      'claude-3-7-sonnet',
    ]);
  });
});

describe('dated prices', () => {
  it('uses the price in force at the request time', () => {
    expect(defaultCatalog.priceAt('openai', 'o3', at('2025-05-01'))!.rates.input).toBe(10_000_000_000n);
    expect(defaultCatalog.priceAt('openai', 'o3', at('2025-06-10'))!.rates.input).toBe(2_000_000_000n);
    expect(defaultCatalog.priceAt('openai', 'o3', at('2026-01-01'))!.version).toBe(
      'catalog:openai/o3@2025-06-10',
    );
  });

  it('applies the first known price to requests dated before it rather than $0', () => {
    expect(defaultCatalog.priceAt('openai', 'o3', at('2020-01-01'))!.rates.input).toBe(10_000_000_000n);
  });

  it('keeps a snapshot with its own price apart from its family', () => {
    expect(defaultCatalog.priceAt('openai', 'gpt-4o-2024-05-13', at('2025-01-01'))!.rates.input).toBe(
      5_000_000_000n,
    );
    expect(defaultCatalog.priceAt('openai', 'gpt-4o-2024-11-20', at('2025-01-01'))!.rates.input).toBe(
      2_500_000_000n,
    );
  });
});

describe('catalog validation', () => {
  const row = {
    provider: 'openai' as const,
    model: 'm',
    tier: 'standard' as const,
    effectiveFrom: '2025-01-01',
    source: 'https://example.test',
    rates: { input: '1', output: '2' },
  };

  it('refuses an alias claimed by two models', () => {
    expect(() => new PriceCatalog([row, { ...row, model: 'n', aliases: ['m'] }])).toThrow(/claimed by both/);
  });

  it('refuses malformed prices and dates at load time', () => {
    expect(() => new PriceCatalog([{ ...row, rates: { input: '1.0.0', output: '2' } }])).toThrow(/input/);
    expect(() => new PriceCatalog([{ ...row, effectiveFrom: 'soon' }])).toThrow(/effectiveFrom/);
  });
});

describe('tiers and cheaper alternatives', () => {
  it('gives every catalog model a tier, by any accepted name', () => {
    for (const row of CATALOG) expect(['flagship', 'standard', 'economy']).toContain(row.tier);
    expect(modelTier('anthropic', 'claude-opus-4-5-20251101')).toBe('flagship');
    expect(modelTier('OpenAI', 'gpt-4o-mini-2024-07-18')).toBe('economy');
    expect(modelTier('google', 'gemini-2.5-flash')).toBe('standard');
    expect(modelTier('openai', 'gpt-9')).toBeNull();
  });

  it('maps only catalog models, each to peers that are cheaper at today’s prices', () => {
    const today = at('2026-11-25');
    for (const [provider, models] of Object.entries(CHEAPER_ALTERNATIVES)) {
      for (const [model, peers] of Object.entries(models)) {
        expect(defaultCatalog.canonicalModel(provider, model)).toBe(model);
        const offered = cheaperAlternatives(provider, model, { at: today }).map((a) => a.model);
        // Every mapped peer is offered: none has become as expensive as the model it replaces.
        expect({ provider, model, offered }).toEqual({ provider, model, offered: peers });
      }
    }
  });

  it('offers a cheaper peer with both prices, most similar first, by any accepted name', () => {
    const [first, second] = cheaperAlternatives('openai', 'gpt-4o-2024-08-06', { at: at('2025-10-01') });
    expect(first).toEqual({
      provider: 'openai',
      model: 'gpt-4.1',
      tier: 'standard',
      inputPerMTok: 2_000_000_000n,
      outputPerMTok: 8_000_000_000n,
      currentInputPerMTok: 2_500_000_000n,
      currentOutputPerMTok: 10_000_000_000n,
    });
    expect(second?.model).toBe('gpt-4o-mini');
  });

  it('uses the prices in force at the date asked about', () => {
    // Before its June 2025 price cut o3 cost $10/$40, after it $2/$8: o4-mini is cheaper either way,
    // but o1 -> o3 only once o3 is cheaper than o1 ($15/$60) - which it always was.
    expect(cheaperAlternatives('openai', 'o1', { at: at('2025-05-01') }).map((a) => a.model)).toEqual([
      'o3',
      'o4-mini',
    ]);
    // Before Claude Sonnet 5 existed its row still prices it (first rows cover earlier dates), so
    // the date only matters for models whose price changed.
    expect(cheaperAlternatives('anthropic', 'claude-haiku-4-5').map((a) => a.model)).toEqual([
      'claude-3-5-haiku',
    ]);
  });

  it('offers nothing for an unknown model, an economy model without peers, or an unknown provider', () => {
    expect(cheaperAlternatives('openai', 'gpt-9')).toEqual([]);
    expect(cheaperAlternatives('openai', 'gpt-5-nano')).toEqual([]);
    expect(cheaperAlternatives('xai', 'grok-4')).toEqual([]);
  });

  it('skips a mapped peer that is not cheaper under a given catalog', () => {
    const catalog = new PriceCatalog([
      {
        provider: 'openai',
        model: 'gpt-5',
        tier: 'flagship',
        effectiveFrom: '2025-01-01',
        source: 'https://example.test',
        rates: { input: '1', output: '2' },
      },
      {
        provider: 'openai',
        model: 'gpt-5-mini',
        tier: 'standard',
        effectiveFrom: '2025-01-01',
        source: 'https://example.test',
        rates: { input: '1', output: '2' },
      },
    ]);
    expect(cheaperAlternatives('openai', 'gpt-5', { catalog })).toEqual([]);
    expect(modelTier('openai', 'gpt-5-mini', catalog)).toBe('standard');
    expect(
      () =>
        new PriceCatalog([
          ...catalog
            .history('openai')
            .get('gpt-5')!
            .map(() => ({
              provider: 'openai' as const,
              model: 'x',
              tier: 'economy' as const,
              effectiveFrom: '2025-01-01',
              source: 'https://example.test',
              rates: { input: '1', output: '2' },
            })),
          {
            provider: 'openai' as const,
            model: 'x',
            tier: 'flagship' as const,
            effectiveFrom: '2025-02-01',
            source: 'https://example.test',
            rates: { input: '1', output: '2' },
          },
        ]),
    ).toThrow(/two tiers/);
  });
});
