/**
 * The pricing service: which price applies to a request. An organisation's own price for a model
 * (set with `setModelPrice`) wins from its effectiveFrom onwards; otherwise the shipped catalog
 * price in force at the request time applies; a model neither knows is `unpriced`, never $0.
 *
 * Reading an organisation's own prices costs a database round trip, so two read paths exist:
 * - `resolvePrice` (the request path's displayed cost) reads them through a per-organisation
 *   cache, cleared in this process by `setModelPrice` and expiring after `cacheTtlMs` so a price
 *   set through another process shows up within that time;
 * - `snapshot()` (cost records, repricing: the numbers that are billed) reads each organisation's
 *   prices fresh, once per batch of work.
 */
import { loadThrough, reload, TtlCache } from '../shared/ttl-cache';
import type { ModelPrice } from './model-price';
import { candidateModelNames } from './model-names';
import { defaultCatalog, type PriceCatalog } from './catalog';
import type { PriceOverride, PriceOverrideStore } from './price-override-store';
import { parseSetModelPriceInput } from './set-model-price-input';

export type PriceResolution =
  | { status: 'priced'; price: ModelPrice }
  | { status: 'unpriced'; provider: string; model: string; reason: string };

export interface PriceQuery {
  organizationId: string;
  provider: string;
  model: string;
  at: Date;
}

export interface ModelPriceListing {
  provider: string;
  model: string;
  /** The price in force at the listing time. */
  current: ModelPrice;
  /** Every known price row for the model, oldest first (catalog and this organisation's). */
  history: ModelPrice[];
}

function overrideToPrice(row: PriceOverride): ModelPrice {
  return {
    provider: row.provider,
    model: row.model,
    rates: row.rates,
    tiers: row.tiers,
    effectiveFrom: row.effectiveFrom,
    origin: 'override',
    version: `override:${row.id}`,
    source: row.createdBy ? `set by ${row.createdBy}` : 'organisation price',
  };
}

/** Among rows in force at `at`, the latest effectiveFrom wins; on a tie the latest correction wins. */
function latestInForce(rows: PriceOverride[], at: Date): PriceOverride | undefined {
  let best: PriceOverride | undefined;
  for (const row of rows) {
    if (row.effectiveFrom.getTime() > at.getTime()) continue;
    if (
      !best ||
      row.effectiveFrom.getTime() > best.effectiveFrom.getTime() ||
      (row.effectiveFrom.getTime() === best.effectiveFrom.getTime() &&
        row.createdAt.getTime() >= best.createdAt.getTime())
    ) {
      best = row;
    }
  }
  return best;
}

/** Resolves prices; a snapshot resolves with each organisation's prices read once. */
export interface PriceResolver {
  resolvePrice(query: PriceQuery): Promise<PriceResolution>;
}

export interface PricingOptions {
  /** How long an organisation's own prices are reused on the request path (default 5 s). */
  cacheTtlMs?: number;
  /** Organisations kept in that cache (default 10,000; the oldest entry goes first). */
  cacheSize?: number;
}

export class PricingService implements PriceResolver {
  private readonly cache: TtlCache<Promise<PriceOverride[]>>;

  constructor(
    private readonly overrides: PriceOverrideStore,
    private readonly catalog: PriceCatalog = defaultCatalog,
    private readonly now: () => Date = () => new Date(),
    options: PricingOptions = {},
  ) {
    this.cache = new TtlCache(options.cacheTtlMs ?? 5_000, undefined, options.cacheSize ?? 10_000);
  }

  /** An organisation's own prices, from the cache unless `fresh`. */
  private organisationRows(organizationId: string, fresh: boolean): Promise<PriceOverride[]> {
    // A failed read is not cached: the next request tries again.
    const read = () => this.overrides.list(organizationId);
    return fresh ? reload(this.cache, organizationId, read) : loadThrough(this.cache, organizationId, read);
  }

  /** A resolver for one batch of billing work: each organisation's prices are read fresh, once. */
  snapshot(): PriceResolver {
    const rowsByOrg = new Map<string, Promise<PriceOverride[]>>();
    return {
      resolvePrice: (query) => {
        let rows = rowsByOrg.get(query.organizationId);
        if (!rows) {
          rows = this.organisationRows(query.organizationId, true);
          rowsByOrg.set(query.organizationId, rows);
        }
        return this.resolveFrom(rows, query);
      },
    };
  }

  /** The name a price for this model is stored under: the catalog's canonical name when known. */
  priceKey(provider: string, model: string): string {
    return this.catalog.canonicalModel(provider, model) ?? candidateModelNames(model)[0]!;
  }

  resolvePrice(query: PriceQuery): Promise<PriceResolution> {
    return this.resolveFrom(this.organisationRows(query.organizationId, false), query);
  }

  private async resolveFrom(
    organisationRows: Promise<PriceOverride[]>,
    query: PriceQuery,
  ): Promise<PriceResolution> {
    const provider = query.provider.trim().toLowerCase();
    const names = [...new Set([...candidateModelNames(query.model), this.priceKey(provider, query.model)])];
    const rows = (await organisationRows).filter((r) => r.provider === provider);
    // The most specific name with a price in force wins (a price for a snapshot beats the family's).
    for (const name of names) {
      const row = latestInForce(
        rows.filter((r) => r.model === name),
        query.at,
      );
      if (row) return { status: 'priced', price: overrideToPrice(row) };
    }
    const catalogPrice = this.catalog.priceAt(provider, query.model, query.at);
    if (catalogPrice) return { status: 'priced', price: catalogPrice };
    return {
      status: 'unpriced',
      provider,
      model: query.model,
      reason: `No price is known for ${provider}/${query.model} at ${query.at.toISOString()}; set one with setModelPrice.`,
    };
  }

  /** Records an organisation's price (history is kept; nothing is overwritten). */
  async setModelPrice(organizationId: string, input: unknown, actor?: string): Promise<ModelPrice> {
    const parsed = parseSetModelPriceInput(input);
    const row = await this.overrides.insert({
      organizationId,
      provider: parsed.provider,
      model: this.priceKey(parsed.provider, parsed.model),
      rates: parsed.rates,
      tiers: parsed.tiers,
      effectiveFrom: parsed.effectiveFrom,
      createdAt: this.now(),
      createdBy: actor,
    });
    this.cache.delete(organizationId);
    return overrideToPrice(row);
  }

  /** Every priced model for an organisation (catalog plus its own prices), optionally one provider. */
  async listModelPrices(organizationId: string, options: { provider?: string; at?: Date } = {}) {
    const at = options.at ?? this.now();
    const providerFilter = options.provider?.trim().toLowerCase();
    const byKey = new Map<string, ModelPrice[]>();
    const add = (price: ModelPrice) => {
      const key = `${price.provider}\u0000${price.model}`;
      byKey.set(key, [...(byKey.get(key) ?? []), price]);
    };
    for (const provider of this.catalog.providers()) {
      if (providerFilter && provider !== providerFilter) continue;
      for (const history of this.catalog.history(provider).values()) history.forEach(add);
    }
    const own = await this.organisationRows(organizationId, true);
    for (const row of own) if (!providerFilter || row.provider === providerFilter) add(overrideToPrice(row));

    const listings: ModelPriceListing[] = [];
    const rows = Promise.resolve(own);
    for (const history of byKey.values()) {
      const first = history[0]!;
      const resolution = await this.resolveFrom(rows, {
        organizationId,
        provider: first.provider,
        model: first.model,
        at,
      });
      if (resolution.status !== 'priced') continue; // only future-dated rows: nothing in force yet
      history.sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
      listings.push({ provider: first.provider, model: first.model, current: resolution.price, history });
    }
    return listings.sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
  }
}
