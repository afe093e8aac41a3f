/**
 * The shipped catalog as typed, exact prices, indexed by provider and every accepted model name.
 * Parsing happens once at load; a malformed row fails loudly at start-up, not at billing time.
 */
import { parseUsd } from '../shared/money';
import { CATALOG, type CatalogRates, type CatalogRow, type ModelTier } from './catalog-data';
import type { ModelPrice, PriceRates } from './model-price';
import { candidateModelNames } from './model-names';

export function parseRates(rates: CatalogRates, where: string): PriceRates {
  const optional = (value: string | undefined, field: string) =>
    value === undefined ? undefined : parseUsd(value, `${where}.${field}`);
  return {
    input: parseUsd(rates.input, `${where}.input`),
    cachedInput: optional(rates.cachedInput, 'cachedInput'),
    cacheWrite5m: optional(rates.cacheWrite5m, 'cacheWrite5m'),
    cacheWrite1h: optional(rates.cacheWrite1h, 'cacheWrite1h'),
    output: parseUsd(rates.output, `${where}.output`),
    reasoning: optional(rates.reasoning, 'reasoning'),
  };
}

function toModelPrice(row: CatalogRow): ModelPrice {
  const where = `catalog ${row.provider}/${row.model}@${row.effectiveFrom}`;
  const effectiveFrom = new Date(`${row.effectiveFrom}T00:00:00.000Z`);
  if (Number.isNaN(effectiveFrom.getTime())) throw new Error(`${where}: invalid effectiveFrom`);
  return {
    provider: row.provider,
    model: row.model,
    rates: parseRates(row.rates, where),
    tiers: (row.tiers ?? [])
      .map((tier) => ({ abovePromptTokens: tier.abovePromptTokens, rates: parseRates(tier.rates, where) }))
      .sort((a, b) => a.abovePromptTokens - b.abovePromptTokens),
    effectiveFrom,
    origin: 'catalog',
    version: `catalog:${row.provider}/${row.model}@${row.effectiveFrom}`,
    source: row.source,
  };
}

export class PriceCatalog {
  /** provider -> canonical model -> price rows sorted by effectiveFrom ascending. */
  private readonly rows = new Map<string, Map<string, ModelPrice[]>>();
  /** provider -> any accepted name -> canonical model. */
  private readonly names = new Map<string, Map<string, string>>();
  /** provider/canonical model -> tier. */
  private readonly tiers = new Map<string, ModelTier>();

  constructor(rows: CatalogRow[] = CATALOG) {
    for (const row of rows) {
      const price = toModelPrice(row);
      const byModel = this.rows.get(row.provider) ?? new Map<string, ModelPrice[]>();
      this.rows.set(row.provider, byModel);
      const history = byModel.get(row.model) ?? [];
      history.push(price);
      history.sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
      byModel.set(row.model, history);
      const tier = this.tiers.get(`${row.provider}/${row.model}`);
      if (tier && tier !== row.tier) throw new Error(`catalog: ${row.provider}/${row.model} has two tiers`);
      this.tiers.set(`${row.provider}/${row.model}`, row.tier);
      const names = this.names.get(row.provider) ?? new Map<string, string>();
      this.names.set(row.provider, names);
      for (const name of [row.model, ...(row.aliases ?? [])]) {
        const existing = names.get(name.toLowerCase());
        if (existing && existing !== row.model) {
          throw new Error(`catalog: "${name}" is claimed by both ${existing} and ${row.model}`);
        }
        names.set(name.toLowerCase(), row.model);
      }
    }
  }

  /** The canonical catalog model for a requested name (aliases, snapshots), or undefined. */
  canonicalModel(provider: string, model: string): string | undefined {
    const names = this.names.get(provider);
    if (!names) return undefined;
    for (const candidate of candidateModelNames(model)) {
      const canonical = names.get(candidate);
      if (canonical) return canonical;
    }
    return undefined;
  }

  /**
   * The catalog price in force at `at`. A model's first row also covers earlier requests: a
   * model cannot be called before it exists, so an earlier timestamp means our launch date is
   * approximate, and charging list price beats recording $0.
   */
  priceAt(provider: string, model: string, at: Date): ModelPrice | undefined {
    const canonical = this.canonicalModel(provider, model);
    if (!canonical) return undefined;
    const history = this.rows.get(provider)?.get(canonical) ?? [];
    let inForce = history[0];
    for (const price of history) if (price.effectiveFrom.getTime() <= at.getTime()) inForce = price;
    return inForce;
  }

  /** The tier of a model (any accepted name), or undefined when the catalog does not know it. */
  tierOf(provider: string, model: string): ModelTier | undefined {
    const canonical = this.canonicalModel(provider, model);
    return canonical === undefined ? undefined : this.tiers.get(`${provider}/${canonical}`);
  }

  /** Every model the catalog prices for a provider, with its full price history. */
  history(provider: string): Map<string, ModelPrice[]> {
    return new Map(this.rows.get(provider) ?? []);
  }

  models(provider: string): string[] {
    return [...(this.rows.get(provider)?.keys() ?? [])].sort();
  }

  providers(): string[] {
    return [...this.rows.keys()].sort();
  }
}

export const defaultCatalog = new PriceCatalog();
