import { InMemoryPriceOverrideStore } from '../../pricing/price-override-store';
import { PricingService } from '../../pricing/pricing-service';
import { AppError } from '../../shared/errors';
import { CostEstimator } from './estimate';
import { DEFAULT_MAX_OUTPUT_TOKENS, maxOutputTokensFor } from './model-limits';
import { encodingFor, tokenCountCache, tokenCounterFor, warmTokenizers } from '../../shared/tokenizer';

const at = new Date('2026-01-01T00:00:00Z');
const estimator = new CostEstimator(new PricingService(new InMemoryPriceOverrideStore()));

describe('tokenizer choice', () => {
  it('uses the OpenAI encodings for OpenAI models and a margin elsewhere', () => {
    expect(encodingFor('openai', 'gpt-4o-mini')).toEqual({ encoding: 'o200k_base', marginPercent: 100 });
    expect(encodingFor('openai', 'gpt-4-turbo')).toEqual({ encoding: 'cl100k_base', marginPercent: 100 });
    expect(encodingFor('openai', 'gpt-3.5-turbo').encoding).toBe('cl100k_base');
    expect(encodingFor('openai-compatible', 'o3-mini').encoding).toBe('o200k_base');
    expect(encodingFor('anthropic', 'claude-sonnet-4').marginPercent).toBeGreaterThan(100);
  });

  it('counts real tokens', () => {
    warmTokenizers();
    expect(tokenCounterFor('openai', 'gpt-4o').count('hello world')).toBe(2);
    expect(tokenCounterFor('openai', 'gpt-4').count('hello world')).toBe(2);
    expect(tokenCounterFor('anthropic', 'claude-sonnet-4').count('hello world')).toBe(3);
    expect(tokenCounterFor('openai', 'gpt-4o').count('')).toBe(0);
  });
});

describe('maxOutputTokensFor', () => {
  it('knows the major families and falls back to a generous default', () => {
    expect(maxOutputTokensFor('gpt-4o-2024-08-06')).toBe(16_384);
    expect(maxOutputTokensFor('claude-sonnet-4-20250514')).toBe(64_000);
    expect(maxOutputTokensFor('models/gemini-2.5-pro')).toBe(65_536);
    expect(maxOutputTokensFor('some-local-llama')).toBe(DEFAULT_MAX_OUTPUT_TOKENS);
  });
});

describe('CostEstimator', () => {
  it('prices input at the input rate and maxOutputTokens at the output rate, rounded up', async () => {
    const estimate = await estimator.estimate({
      organizationId: 'o1',
      provider: 'openai',
      model: 'gpt-4o',
      messages: ['hello world'],
      maxOutputTokens: 100,
      at,
    });
    // 3 request + (2 + 4) message = 9 input tokens at $2.50/M, 100 output at $10/M.
    expect(estimate.inputTokens).toBe(9);
    expect(estimate.outputTokens).toBe(100);
    expect(estimate.amountNano).toBe(9n * 2_500n + 100n * 10_000n);
  });

  it("uses the model's maximum output when maxOutputTokens is not set, and counts the system prompt", async () => {
    const estimate = await estimator.estimate({
      organizationId: 'o1',
      provider: 'openai',
      model: 'gpt-4o-mini',
      system: 'be brief',
      messages: ['hi'],
      at,
    });
    expect(estimate.outputTokens).toBe(16_384);
    expect(estimate.inputTokens).toBeGreaterThan(10);
  });

  it('uses the long-context tier once the prompt is past it', async () => {
    const long = 'word '.repeat(160_000);
    const estimate = await estimator.estimate({
      organizationId: 'o1',
      provider: 'anthropic',
      model: 'claude-sonnet-4',
      messages: [long],
      maxOutputTokens: 0,
      at,
    });
    expect(estimate.inputTokens).toBeGreaterThan(200_000);
    // $6/M above 200k prompt tokens instead of $3/M.
    expect(estimate.amountNano).toBe(BigInt(estimate.inputTokens) * 6_000n);
  });

  it('refuses to guess a price for an unknown model', async () => {
    const attempt = estimator.estimate({
      organizationId: 'o1',
      provider: 'openai',
      model: 'gpt-99',
      messages: ['x'],
      at,
    });
    await expect(attempt).rejects.toBeInstanceOf(AppError);
    await expect(attempt).rejects.toMatchObject({ code: 'BUDGET_CHECK_UNAVAILABLE' });
  });
});

describe('token counts of long texts', () => {
  it('are the same from the cache as when first encoded, per encoding', () => {
    const long = 'Budgets limit spend per project and user. '.repeat(50);
    const o200k = tokenCounterFor('openai', 'gpt-4o');
    const cl100k = tokenCounterFor('openai', 'gpt-4');
    const first = o200k.count(long);
    expect(o200k.count(long)).toBe(first);
    expect(cl100k.count(long)).toBe(cl100k.count(long));
    expect(tokenCounterFor('anthropic', 'claude-sonnet-4').count(long)).toBe(Math.ceil((first * 135) / 100));
    // Far past the bound: older entries are dropped and counts stay right.
    tokenCountCache.maxChars = 10_000;
    try {
      const many = Array.from({ length: 40 }, (_, i) => `${i} ${'x y z '.repeat(400)}`);
      const counts = many.map((text) => o200k.count(text));
      expect(many.map((text) => o200k.count(text))).toEqual(counts);
      expect(o200k.count(long)).toBe(first);
    } finally {
      tokenCountCache.maxChars = 8_000_000;
    }
  });
});
