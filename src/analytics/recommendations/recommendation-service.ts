/**
 * Computes, stores and dismisses recommendations. `refresh(organizationId)` gathers the inputs the
 * rules need for the last `windowDays`: from the rollups (per-model workloads and reliability,
 * per-user and per-project cost), from the usage events (prompt-prefix groups and their cache
 * reads, configured `maxOutputTokens` against what was produced, requests that used tools) priced
 * with the organisation's rates, and stores the result; `list` returns the stored ones without the
 * dismissed; `dismiss` records a dismissal by key, so it outlives recomputation.
 * Inputs kept elsewhere (budget periods, model capability tiers) come from the optional
 * `extraInputs` provider; without it those rules have nothing to look at and return nothing.
 */
import type { Collection, Db } from 'mongodb';
import { cheaperAlternatives } from '../../pricing/alternatives';
import type { PriceResolver } from '../../pricing/pricing-service';
import type { Clock } from '../../shared/clock';
import { AppError } from '../../shared/errors';
import { formatUsd, parseUsd } from '../../shared/money';
import { ORG_SCOPE, DAY_MS } from '../rollups/dimensions';
import { addMetrics, emptyMetrics, type RollupMetrics } from '../rollups/metrics';
import type { RollupStore } from '../rollups/rollup-store';
import { computeRecommendations, type RecommendationInput } from './index';
import type { ModelRates, Recommendation } from './recommendation';
import { readUsageInsights } from './usage-insights';

interface StoredRecommendation extends Omit<Recommendation, 'estimatedMonthlySavingNano'> {
  _id: string;
  organizationId: string;
  estimatedMonthlySavingUsd: string;
  computedAt: Date;
}

interface Dismissal {
  _id: string;
  organizationId: string;
  key: string;
  dismissedAt: Date;
  by: string;
}

export type ExtraInputs = (organizationId: string) => Promise<Partial<RecommendationInput>>;

export interface RecommendationSources {
  /** Prices the usage-event based rules (caching, limits); without it they are skipped. */
  prices?: PriceResolver;
  extraInputs?: ExtraInputs;
}

export class RecommendationService {
  private readonly stored: Collection<StoredRecommendation>;
  private readonly dismissals: Collection<Dismissal>;

  constructor(
    private readonly db: Db,
    private readonly rollups: RollupStore,
    private readonly clock: Clock,
    private readonly sources: RecommendationSources = {},
  ) {
    this.stored = db.collection<StoredRecommendation>('analytics_recommendations');
    this.dismissals = db.collection<Dismissal>('analytics_recommendation_dismissals');
  }

  private async sumBy(organizationId: string, dimension: 'MODEL' | 'USER' | 'PROJECT', from: Date, to: Date) {
    const rows = await this.rollups.findCovering({
      organizationId,
      scope: ORG_SCOPE,
      dimension,
      range: { from, to },
    });
    const byKey = new Map<string, RollupMetrics>();
    for (const r of rows) byKey.set(r.key, addMetrics(byKey.get(r.key) ?? emptyMetrics(), r.metrics));
    return byKey;
  }

  async refresh(organizationId: string, windowDays = 30): Promise<Recommendation[]> {
    const now = this.clock.now();
    // Whole UTC days up to the end of today, so today's requests count (the monthly rate is then
    // slightly understated, never overstated).
    const to = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
    const from = new Date(to.getTime() - windowDays * DAY_MS);
    const models = await this.sumBy(organizationId, 'MODEL', from, to);
    const split = (key: string) => [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)] as const;
    const extra = (await this.sources.extraInputs?.(organizationId)) ?? {};
    const insights = await readUsageInsights(this.db, organizationId, { from, to });
    const rates = this.ratesOf(organizationId, new Date(to.getTime() - 1));
    const priced = async <T extends { provider: string; model: string }>(items: T[]) => {
      const out: (T & { rates: ModelRates })[] = [];
      for (const item of items) {
        const r = await rates(item.provider, item.model);
        if (r) out.push({ ...item, rates: r });
      }
      return out;
    };
    const input: RecommendationInput = {
      windowMs: windowDays * DAY_MS,
      catalog: extra.catalog ?? [],
      workloads: [...models].map(([key, m]) => ({
        provider: split(key)[0],
        model: split(key)[1],
        requests: m.requests,
        // The usage events say which requests used tools; where they do not (older events), the
        // rollups' tool-call count is an upper bound, so the rule errs towards "uses tools".
        requestsWithTools: Math.min(
          m.requests,
          Math.max(insights.toolUse.get(key)?.requestsWithTools ?? 0, m.toolCalls),
        ),
        tokens: m.tokens,
        costNano: m.costNano,
        examples: insights.toolUse.get(key)?.examples ?? [],
      })),
      reliability: [...models].map(([key, m]) => ({
        provider: split(key)[0],
        model: split(key)[1],
        requests: m.requests,
        errors: m.errors,
        // Failed requests' share of the cost, pro rata (rollups do not split cost by outcome).
        errorCostNano: m.requests ? (m.costNano * BigInt(m.errors)) / BigInt(m.requests) : 0n,
        examples: [],
      })),
      peers: [
        ...[...(await this.sumBy(organizationId, 'USER', from, to))].map(([key, m]) => ({
          dimension: 'USER' as const,
          key,
          requests: m.requests,
          costNano: m.costNano,
          examples: [key],
        })),
        ...[...(await this.sumBy(organizationId, 'PROJECT', from, to))].map(([key, m]) => ({
          dimension: 'PROJECT' as const,
          key,
          requests: m.requests,
          costNano: m.costNano,
          examples: [key],
        })),
      ],
      prefixGroups: [...(extra.prefixGroups ?? []), ...(await priced(insights.prefixGroups))],
      limits: [...(extra.limits ?? []), ...(await priced(insights.limits))],
      budgets: extra.budgets,
    };
    // Comparable cheaper models from the pricing catalog, priced at this organisation's rates.
    if (this.sources.prices) {
      for (const w of input.workloads ?? []) {
        const options = cheaperAlternatives(w.provider, w.model, { at: new Date(to.getTime() - 1) });
        if (options.length) w.alternatives = await priced(options);
      }
    }
    const recs = computeRecommendations(input);
    await this.stored.deleteMany({ organizationId });
    if (recs.length) {
      await this.stored.insertMany(
        recs.map(({ estimatedMonthlySavingNano, ...r }) => ({
          ...r,
          _id: `${organizationId}|${r.key}`,
          organizationId,
          estimatedMonthlySavingUsd: formatUsd(estimatedMonthlySavingNano),
          computedAt: now,
        })),
      );
    }
    return recs;
  }

  /** The organisation's rates per model at `at`, read once per model per refresh. */
  private ratesOf(organizationId: string, at: Date) {
    const cache = new Map<string, Promise<ModelRates | undefined>>();
    return (provider: string, model: string): Promise<ModelRates | undefined> => {
      const key = `${provider}/${model}`;
      let hit = cache.get(key);
      if (!hit) {
        hit = (async () => {
          if (!this.sources.prices) return undefined;
          const r = await this.sources.prices.resolvePrice({ organizationId, provider, model, at });
          if (r.status !== 'priced') return undefined;
          const p = r.price.rates;
          return {
            input: p.input,
            cachedInput: p.cachedInput,
            cacheWrite: p.cacheWrite5m,
            output: p.output,
            reasoning: p.reasoning,
          };
        })();
        cache.set(key, hit);
      }
      return hit;
    };
  }

  async list(organizationId: string): Promise<(Recommendation & { computedAt: Date })[]> {
    const dismissed = new Set((await this.dismissals.find({ organizationId }).toArray()).map((d) => d.key));
    const docs = await this.stored.find({ organizationId }).toArray();
    return docs
      .filter((d) => !dismissed.has(d.key))
      .map(({ _id, organizationId: _org, estimatedMonthlySavingUsd, ...r }) => ({
        ...r,
        estimatedMonthlySavingNano: parseUsd(estimatedMonthlySavingUsd),
      }))
      .sort((a, b) =>
        a.estimatedMonthlySavingNano === b.estimatedMonthlySavingNano
          ? b.confidence - a.confidence
          : a.estimatedMonthlySavingNano > b.estimatedMonthlySavingNano
            ? -1
            : 1,
      );
  }

  async dismiss(organizationId: string, key: string, by: string): Promise<void> {
    const exists = await this.stored.findOne({ organizationId, key });
    if (!exists)
      throw new AppError(
        'NOT_FOUND',
        `No recommendation "${key}" in your organisation; list recommendations for valid keys.`,
      );
    await this.dismissals.updateOne(
      { _id: `${organizationId}|${key}` },
      { $setOnInsert: { organizationId, key, dismissedAt: this.clock.now(), by } },
      { upsert: true },
    );
  }
}
