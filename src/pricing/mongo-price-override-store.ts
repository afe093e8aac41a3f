/**
 * MongoDB store of organisation prices (`model_prices`), append-only. Rates are kept as exact
 * decimal strings of USD per million tokens.
 */
import { randomUUID } from 'node:crypto';

import type { Collection, Db } from 'mongodb';

import { formatUsd, parseUsd } from '../shared/money';
import type { PriceRates, PriceTier } from './model-price';
import type { NewPriceOverride, PriceOverride, PriceOverrideStore } from './price-override-store';

type StoredRates = Partial<Record<keyof PriceRates, string>>;

interface PriceOverrideDoc {
  _id: string;
  organizationId: string;
  provider: string;
  model: string;
  rates: StoredRates;
  tiers: { abovePromptTokens: number; rates: StoredRates }[];
  effectiveFrom: Date;
  createdAt: Date;
  createdBy?: string;
}

const RATE_KEYS: (keyof PriceRates)[] = [
  'input',
  'cachedInput',
  'cacheWrite5m',
  'cacheWrite1h',
  'output',
  'reasoning',
];

function storeRates(rates: PriceRates): StoredRates {
  const stored: StoredRates = {};
  for (const key of RATE_KEYS) {
    const value = rates[key];
    if (value !== undefined) stored[key] = formatUsd(value, { minDecimals: 0 });
  }
  return stored;
}

function loadRates(stored: StoredRates): PriceRates {
  const rates: Partial<PriceRates> = {};
  for (const key of RATE_KEYS) {
    const value = stored[key];
    if (value !== undefined) rates[key] = parseUsd(value, key);
  }
  return rates as PriceRates;
}

function fromDoc(doc: PriceOverrideDoc): PriceOverride {
  return {
    id: doc._id,
    organizationId: doc.organizationId,
    provider: doc.provider,
    model: doc.model,
    rates: loadRates(doc.rates),
    tiers: doc.tiers.map((t): PriceTier => ({
      abovePromptTokens: t.abovePromptTokens,
      rates: loadRates(t.rates),
    })),
    effectiveFrom: doc.effectiveFrom,
    createdAt: doc.createdAt,
    ...(doc.createdBy ? { createdBy: doc.createdBy } : {}),
  };
}

export class MongoPriceOverrideStore implements PriceOverrideStore {
  readonly collection: Collection<PriceOverrideDoc>;

  constructor(db: Db) {
    this.collection = db.collection<PriceOverrideDoc>('model_prices');
  }

  async insert(override: NewPriceOverride): Promise<PriceOverride> {
    const doc: PriceOverrideDoc = {
      _id: randomUUID(),
      organizationId: override.organizationId,
      provider: override.provider,
      model: override.model,
      rates: storeRates(override.rates),
      tiers: override.tiers.map((t) => ({
        abovePromptTokens: t.abovePromptTokens,
        rates: storeRates(t.rates),
      })),
      effectiveFrom: override.effectiveFrom,
      createdAt: override.createdAt,
      ...(override.createdBy ? { createdBy: override.createdBy } : {}),
    };
    await this.collection.insertOne(doc);
    return fromDoc(doc);
  }

  async findForModels(organizationId: string, provider: string, models: string[]): Promise<PriceOverride[]> {
    const docs = await this.collection.find({ organizationId, provider, model: { $in: models } }).toArray();
    return docs.map(fromDoc);
  }

  async list(organizationId: string, provider?: string): Promise<PriceOverride[]> {
    const docs = await this.collection.find({ organizationId, ...(provider ? { provider } : {}) }).toArray();
    return docs.map(fromDoc);
  }
}
