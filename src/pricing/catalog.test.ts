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
