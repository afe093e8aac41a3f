import { emptyTokens } from '../rollups/metrics';
import { wilsonLower } from './flaky-providers';
import { suggestedLimit } from './oversized-limits';
import {
  computeRecommendations,
  confidenceLevel,
  MONTH_MS,
  perMonth,
  priceTokens,
  type ModelOption,
  type ModelWorkload,
} from './index';

const usd = (d: number) => BigInt(Math.round(d * 1e9));
const catalog: ModelOption[] = [
  {
    provider: 'openai',
    model: 'gpt-4o',
    tier: 2,
    rates: { input: usd(2.5), cachedInput: usd(1.25), output: usd(10) },
  },
  { provider: 'openai', model: 'gpt-4o-mini', tier: 1, rates: { input: usd(0.15), output: usd(0.6) } },
  { provider: 'anthropic', model: 'claude-sonnet', tier: 2, rates: { input: usd(3), output: usd(15) } },
];
const HALF_MONTH = MONTH_MS / 2;

function workload(extra: Partial<ModelWorkload> = {}): ModelWorkload {
  return {
    provider: 'openai',
    model: 'gpt-4o',
    requests: 1000,
    requestsWithTools: 0,
    tokens: { ...emptyTokens(), inputUncached: 1_000_000, output: 100_000 },
    costNano: usd(3.5),
    examples: ['req-1', 'req-2'],
    ...extra,
  };
}

describe('money helpers', () => {
  it('scales a window to a month exactly, rounding down', () => {
    expect(perMonth(usd(1), HALF_MONTH)).toBe(usd(2));
    expect(perMonth(10n, 3 * MONTH_MS)).toBe(3n);
    expect(() => perMonth(1n, 0)).toThrow(RangeError);
  });

  it('prices each token kind at its own rate', () => {
    const tokens = {
      ...emptyTokens(),
      inputUncached: 1_000_000,
      cacheRead: 1_000_000,
      output: 1_000_000,
      reasoning: 1_000_000,
    };
    expect(priceTokens(tokens, catalog[0]!.rates)).toBe(usd(2.5 + 1.25 + 10 + 10));
  });
});

describe('cheaper model', () => {
  it('prices the same tokens at the next tier down and scales the saving to a month', () => {
    const [rec] = computeRecommendations({ windowMs: HALF_MONTH, catalog, workloads: [workload()] });
    expect(rec).toMatchObject({
      kind: 'CHEAPER_MODEL',
      key: 'CHEAPER_MODEL:openai/gpt-4o',
      // (3.50 - 0.21) over half a month.
      estimatedMonthlySavingNano: usd(6.58),
      evidence: { recordCount: 1000, examples: ['req-1', 'req-2'] },
    });
    expect(rec!.evidence.figures.costAtSuggestedModel).toBe('0.21');
    expect(rec!.confidence).toBeLessThanOrEqual(0.8);
    expect(rec!.confidenceLevel).toBe('HIGH');
  });

  it('takes the most similar catalog alternative that is cheaper for these tokens', () => {
    const alternatives = [
      // Most similar, but dearer on output: for this output-heavy mix it costs more.
      { provider: 'openai', model: 'gpt-4.1-ish', rates: { input: usd(0.5), output: usd(40) } },
      { provider: 'openai', model: 'gpt-4.1', rates: { input: usd(2), output: usd(8) } },
      { provider: 'openai', model: 'gpt-4o-mini', rates: { input: usd(0.15), output: usd(0.6) } },
    ];
    const [rec] = computeRecommendations({
      windowMs: MONTH_MS,
      catalog: [],
      workloads: [workload({ alternatives })],
    });
    // 1M input at 2.00 + 100k output at 8.00 = 2.80, against 3.50 observed.
    expect(rec!.evidence.figures.suggestedModel).toBe('openai/gpt-4.1');
    expect(rec!.estimatedMonthlySavingNano).toBe(usd(0.7));
    expect(
      computeRecommendations({ windowMs: MONTH_MS, catalog, workloads: [workload({ alternatives: [] })] }),
    ).toEqual([]);
  });

  it('leaves tool-using, long-output, small or already-cheapest workloads alone', () => {
    const none = computeRecommendations({
      windowMs: HALF_MONTH,
      catalog,
      workloads: [
        workload({ requestsWithTools: 100 }),
        workload({ tokens: { ...emptyTokens(), inputUncached: 1_000_000, output: 2_000_000 } }),
        workload({ requests: 5 }),
        workload({ model: 'gpt-4o-mini' }),
        workload({ provider: 'anthropic', model: 'claude-sonnet' }),
        workload({ model: 'unknown-model' }),
      ],
    });
    expect(none).toEqual([]);
  });
});

describe('prompt caching', () => {
  const rates = { input: usd(3), cachedInput: usd(0.3), cacheWrite: usd(3.75), output: usd(15) };
  const group = {
    provider: 'anthropic',
    model: 'claude-sonnet',
    prefixHash: 'abc',
    prefixTokens: 2000,
    requests: 101,
    cacheReadTokens: 0,
    rates,
    examples: ['r1'],
  };

  it('prices the repeated prefix at the cache discount, less one cache write', () => {
    const [rec] = computeRecommendations({ windowMs: MONTH_MS, catalog, prefixGroups: [group] });
    // 200,000 repeated tokens x $2.70/M = 0.54, minus 2,000 x $0.75/M = 0.0015.
    expect(rec).toMatchObject({ kind: 'PROMPT_CACHING', estimatedMonthlySavingNano: usd(0.5385) });
    expect(rec!.evidence.figures.cacheHitRatio).toBe('0.0%');
  });

  it('says nothing when the cache already works, the prefix is short or there is no cache price', () => {
    const recs = computeRecommendations({
      windowMs: MONTH_MS,
      catalog,
      prefixGroups: [
        { ...group, cacheReadTokens: 150_000 },
        { ...group, prefixTokens: 500 },
        { ...group, rates: { input: usd(3), output: usd(15) } },
        { ...group, requests: 3 },
      ],
    });
    expect(recs).toEqual([]);
  });
});

describe('oversized limits', () => {
  it('suggests a limit with headroom over the observed p99 and reports the budget reserved needlessly', () => {
    const [rec] = computeRecommendations({
      windowMs: MONTH_MS,
      catalog,
      limits: [
        {
          subject: 'project:p1',
          provider: 'openai',
          model: 'gpt-4o',
          maxOutputTokens: 8192,
          requests: 50,
          observedP99OutputTokens: 300,
          rates: catalog[0]!.rates,
          examples: [],
        },
        {
          subject: 'project:p2',
          provider: 'openai',
          model: 'gpt-4o',
          maxOutputTokens: 1024,
          requests: 50,
          observedP99OutputTokens: 300,
          rates: catalog[0]!.rates,
          examples: [],
        },
      ],
    });
    expect(rec).toMatchObject({ kind: 'OVERSIZED_LIMIT', estimatedMonthlySavingNano: 0n });
    expect(rec!.evidence.figures).toMatchObject({
      suggestedMaxOutputTokens: '512',
      reservedNeedlesslyPerRequest: '0.0768',
    });
    expect(suggestedLimit(0)).toBe(256);
  });
});

describe('cost outliers', () => {
  const peer = (key: string, perRequest: number) => ({
    dimension: 'USER' as const,
    key,
    requests: 100,
    costNano: BigInt(perRequest * 100),
    examples: [key],
  });

  it('flags the subject far above the peer median and prices the gap at the median', () => {
    const recs = computeRecommendations({
      windowMs: MONTH_MS,
      catalog,
      peers: [peer('u1', 100), peer('u2', 110), peer('u3', 90), peer('u4', 105), peer('u5', 1000)],
    });
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({
      key: 'COST_OUTLIER:USER:u5',
      estimatedMonthlySavingNano: 100_000n - 105n * 100n,
    });
  });

  it('needs enough peers and a real gap', () => {
    expect(
      computeRecommendations({ windowMs: MONTH_MS, catalog, peers: [peer('u1', 100), peer('u5', 1000)] }),
    ).toEqual([]);
    expect(
      computeRecommendations({
        windowMs: MONTH_MS,
        catalog,
        peers: [peer('a', 100), peer('b', 120), peer('c', 90), peer('d', 200)],
      }),
    ).toEqual([]);
  });
});

describe('flaky providers', () => {
  const rel = (provider: string, model: string, requests: number, errors: number) => ({
    provider,
    model,
    requests,
    errors,
    errorCostNano: usd(0.01) * BigInt(errors),
    examples: [],
  });

  it('flags a model whose error rate is high with confidence and suggests a comparable fallback elsewhere', () => {
    const recs = computeRecommendations({
      windowMs: MONTH_MS,
      catalog,
      reliability: [
        rel('openai', 'gpt-4o', 200, 40),
        rel('anthropic', 'claude-sonnet', 200, 2),
        rel('openai', 'gpt-4o-mini', 200, 0),
      ],
    });
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({
      key: 'FLAKY_PROVIDER:openai/gpt-4o',
      estimatedMonthlySavingNano: usd(0.4),
    });
    expect(recs[0]!.evidence.figures.fallback).toBe('anthropic/claude-sonnet');
  });

  it('does not call a model flaky on a small sample or a low rate', () => {
    expect(wilsonLower(2, 20)).toBeLessThan(0.05);
    const recs = computeRecommendations({
      windowMs: MONTH_MS,
      catalog,
      reliability: [rel('openai', 'gpt-4o', 20, 2), rel('openai', 'gpt-4o-mini', 1000, 30)],
    });
    expect(recs).toEqual([]);
    expect(wilsonLower(0, 0)).toBe(0);
  });

  it('says when no fallback was observed', () => {
    const [rec] = computeRecommendations({
      windowMs: MONTH_MS,
      catalog,
      reliability: [rel('openai', 'gpt-4o', 100, 50)],
    });
    expect(rec!.detail).toMatch(/No comparable model/);
  });
});

describe('budget limits', () => {
  const budget = {
    budgetId: 'b1',
    name: 'Team',
    limitNano: usd(100),
    periods: 4,
    periodsBlocked: 0,
    blockedRequests: 0,
    peakSpentNano: usd(60),
  };

  it('flags budgets that always block and budgets that are never used, and leaves fitting ones alone', () => {
    const recs = computeRecommendations({
      windowMs: MONTH_MS,
      catalog,
      budgets: [
        { ...budget, budgetId: 'blocked', periodsBlocked: 4, blockedRequests: 37, peakSpentNano: usd(100) },
        { ...budget, budgetId: 'unused', peakSpentNano: usd(5) },
        budget,
        { ...budget, budgetId: 'young', periods: 1, periodsBlocked: 1 },
      ],
    });
    expect(recs.map((r) => r.key).sort()).toEqual([
      'BUDGET_LIMIT:BLOCKED:blocked',
      'BUDGET_LIMIT:UNUSED:unused',
    ]);
    expect(recs.every((r) => r.estimatedMonthlySavingNano === 0n)).toBe(true);
  });
});

describe('computeRecommendations', () => {
  it('orders by monthly saving, then confidence', () => {
    const recs = computeRecommendations({
      windowMs: HALF_MONTH,
      catalog,
      workloads: [workload()],
      budgets: [
        {
          budgetId: 'b',
          name: 'B',
          limitNano: usd(100),
          periods: 4,
          periodsBlocked: 4,
          blockedRequests: 1,
          peakSpentNano: usd(100),
        },
      ],
    });
    expect(recs.map((r) => r.kind)).toEqual(['CHEAPER_MODEL', 'BUDGET_LIMIT']);
    expect(confidenceLevel(0.5)).toBe('MEDIUM');
    expect(confidenceLevel(0.1)).toBe('LOW');
  });
});
