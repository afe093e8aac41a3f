import { RollupAccumulator } from './accumulator';
import { coverRange } from './rollup-store';
import { bucketStart, dimensionKeys, rollupId } from './dimensions';
import { factDeltas, factMetrics, type UsageFact } from './facts';
import { bucketIndex, emptyHistogram, histogramQuantile, LATENCY_BOUNDS_MS } from './histogram';
import { sumMetrics, tokenTotal } from './metrics';

const dims = {
  organizationId: 'org1',
  projectId: 'p1',
  userId: 'u1',
  apiKeyId: 'k1',
  provider: 'openai',
  model: 'gpt-4o',
};

function response(id: string, at: string, latencyMs: number, extra: Partial<UsageFact> = {}): UsageFact {
  return {
    kind: 'RESPONSE',
    id,
    occurredAt: new Date(at),
    dims,
    tokens: { inputUncached: 100, cacheRead: 20, output: 50, reasoning: 5 },
    latencyMs,
    ttftMs: latencyMs / 4,
    error: false,
    ...extra,
  } as UsageFact;
}

describe('latency histogram', () => {
  it('puts values in the bucket whose bounds hold them', () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(9.99)).toBe(0);
    expect(bucketIndex(10)).toBe(1);
    expect(bucketIndex(999)).toBe(LATENCY_BOUNDS_MS.indexOf(1_000));
    expect(bucketIndex(10_000_000)).toBe(LATENCY_BOUNDS_MS.length);
  });

  it('reads p50 and p95 within one bucket of the exact quantiles', () => {
    const hist = emptyHistogram();
    // 1..2000 ms uniformly: exact p50 = 1000, p95 = 1900.
    for (let ms = 1; ms <= 2000; ms += 1) hist[bucketIndex(ms)]! += 1;
    const p50 = histogramQuantile(hist, 0.5)!;
    const p95 = histogramQuantile(hist, 0.95)!;
    expect(Math.abs(p50 - 1000)).toBeLessThanOrEqual(250);
    expect(p95).toBeGreaterThanOrEqual(1500);
    expect(p95).toBeLessThanOrEqual(2000);
    expect(histogramQuantile(emptyHistogram(), 0.5)).toBeNull();
  });

  it('reports the lower bound of the open last bucket', () => {
    const hist = emptyHistogram();
    hist[hist.length - 1] = 3;
    expect(histogramQuantile(hist, 0.99)).toBe(600_000);
  });
});

describe('facts and dimensions', () => {
  it('adds to every dimension the fact has, at both granularities', () => {
    const deltas = factDeltas(response('r1', '2026-03-04T05:06:07Z', 800));
    // Organisation scope: 6 dimensions; project scope: 5 (no PROJECT breakdown of one project).
    // Three stored granularities (hour, day, month).
    expect(deltas).toHaveLength(33);
    expect(deltas.find((d) => d.granularity === 'MONTH')!.bucketStart.toISOString()).toBe(
      '2026-03-01T00:00:00.000Z',
    );
    expect(deltas.map((d) => `${d.granularity}:${d.dimension}:${d.key}`)).toContain(
      'DAY:MODEL:openai/gpt-4o',
    );
    expect(deltas.find((d) => d.granularity === 'HOUR')!.bucketStart.toISOString()).toBe(
      '2026-03-04T05:00:00.000Z',
    );
    expect(deltas.find((d) => d.granularity === 'DAY')!.bucketStart.toISOString()).toBe(
      '2026-03-04T00:00:00.000Z',
    );
  });

  it('skips dimensions the record does not have', () => {
    expect(dimensionKeys({ organizationId: 'o', provider: 'openai', model: null })).toEqual([
      { dimension: 'TOTAL', key: '*' },
      { dimension: 'PROVIDER', key: 'openai' },
    ]);
  });

  it('measures responses, costs and tool calls separately', () => {
    const r = factMetrics(response('r1', '2026-03-04T05:06:07Z', 800, { error: true } as Partial<UsageFact>));
    expect([r.requests, r.errors, tokenTotal(r.tokens), r.latencyCount, r.ttftCount]).toEqual([
      1, 1, 175, 1, 1,
    ]);
    const c = factMetrics({
      kind: 'COST',
      id: 'c',
      occurredAt: new Date(),
      dims,
      costNano: 123n,
      unpricedDelta: 1,
    });
    expect([c.costNano, c.unpriced, c.requests]).toEqual([123n, 1, 0]);
    const t = factMetrics({ kind: 'TOOL', id: 't', occurredAt: new Date(), dims, error: true });
    expect([t.toolCalls, t.toolErrors, t.requests]).toEqual([1, 1, 0]);
  });

  it('ignores missing or invalid durations instead of counting them as zero', () => {
    const m = factMetrics(
      response('r', '2026-01-01T00:00:00Z', Number.NaN, { ttftMs: null } as Partial<UsageFact>),
    );
    expect([m.latencyCount, m.ttftCount, m.latencyMsSum]).toEqual([0, 0, 0]);
  });
});

describe('RollupAccumulator', () => {
  const facts: UsageFact[] = [
    response('r1', '2026-03-04T05:06:07Z', 800),
    response('r2', '2026-03-04T05:59:59Z', 1200),
    response('r3', '2026-03-04T06:00:00Z', 300),
    {
      kind: 'COST',
      id: 'c1',
      occurredAt: new Date('2026-03-04T05:06:07Z'),
      dims,
      costNano: 1_000_000_001n,
      unpricedDelta: 0,
    },
    {
      kind: 'COST',
      id: 'c2',
      occurredAt: new Date('2026-03-04T06:00:00Z'),
      dims,
      costNano: 2n,
      unpricedDelta: 0,
    },
    { kind: 'TOOL', id: 't1', occurredAt: new Date('2026-03-04T05:06:08Z'), dims, error: false },
  ];

  it('applies each fact once, however often it is delivered', () => {
    const acc = new RollupAccumulator();
    expect(facts.map((f) => acc.add(f))).toEqual([true, true, true, true, true, true]);
    expect(acc.add(facts[0]!)).toBe(false);
    const day = acc.get(
      rollupId({
        organizationId: 'org1',
        scope: 'ORG',
        granularity: 'DAY',
        bucketStart: bucketStart(new Date('2026-03-04T12:00:00Z'), 'DAY'),
        dimension: 'TOTAL',
        key: '*',
      }),
    )!;
    expect(day.metrics.requests).toBe(3);
    expect(day.metrics.costNano).toBe(1_000_000_003n);
    expect(day.metrics.toolCalls).toBe(1);
    expect(day.metrics.latencyMsSum).toBe(2300);
  });

  it('gives the same rollups whatever the order of the facts', () => {
    const forward = new RollupAccumulator();
    facts.forEach((f) => forward.add(f));
    const backward = new RollupAccumulator();
    [...facts].reverse().forEach((f) => backward.add(f));
    const norm = (a: RollupAccumulator) =>
      [...a.values()].sort((x, y) => x.id.localeCompare(y.id)).map((d) => [d.id, d.metrics]);
    expect(norm(backward)).toEqual(norm(forward));
    // Two hours, one day and one month, 6 + 5 rollups each (organisation and project scopes).
    expect(forward.size).toBe(44);
    // Hourly rollups add up to the daily one.
    const hours = [...forward.values()].filter(
      (d) => d.granularity === 'HOUR' && d.dimension === 'PROVIDER' && d.scope === 'ORG',
    );
    const dayTotal = [...forward.values()].find(
      (d) => d.granularity === 'DAY' && d.dimension === 'PROVIDER',
    )!;
    expect(sumMetrics(hours.map((h) => h.metrics))).toEqual(dayTotal.metrics);
  });
});

describe('coverRange', () => {
  const cover = (from: string, to: string, months?: boolean) =>
    coverRange({ from: new Date(from), to: new Date(to) }, { months }).map(
      (s) => `${s.granularity} ${s.range.from.toISOString()} ${s.range.to.toISOString()}`,
    );

  it('reads whole months, then days, then hours at unaligned edges', () => {
    expect(cover('2026-01-10T05:00:00Z', '2026-04-03T07:00:00Z')).toEqual([
      'HOUR 2026-01-10T05:00:00.000Z 2026-01-11T00:00:00.000Z',
      'DAY 2026-01-11T00:00:00.000Z 2026-02-01T00:00:00.000Z',
      'MONTH 2026-02-01T00:00:00.000Z 2026-04-01T00:00:00.000Z',
      'DAY 2026-04-01T00:00:00.000Z 2026-04-03T00:00:00.000Z',
      'HOUR 2026-04-03T00:00:00.000Z 2026-04-03T07:00:00.000Z',
    ]);
  });

  it('uses days when no whole month fits, or when months are not wanted', () => {
    expect(cover('2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      'MONTH 2026-01-01T00:00:00.000Z 2026-04-01T00:00:00.000Z',
    ]);
    expect(cover('2026-01-01T00:00:00Z', '2026-01-31T00:00:00Z')).toEqual([
      'DAY 2026-01-01T00:00:00.000Z 2026-01-31T00:00:00.000Z',
    ]);
    expect(cover('2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z', false)).toEqual([
      'DAY 2026-01-01T00:00:00.000Z 2026-03-01T00:00:00.000Z',
    ]);
  });

  it('stays within one day for short ranges', () => {
    expect(cover('2026-01-10T05:00:00Z', '2026-01-10T09:00:00Z')).toEqual([
      'HOUR 2026-01-10T05:00:00.000Z 2026-01-10T09:00:00.000Z',
    ]);
    expect(cover('2026-01-10T05:00:00Z', '2026-01-11T03:00:00Z')).toEqual([
      'HOUR 2026-01-10T05:00:00.000Z 2026-01-11T00:00:00.000Z',
      'HOUR 2026-01-11T00:00:00.000Z 2026-01-11T03:00:00.000Z',
    ]);
  });
});
