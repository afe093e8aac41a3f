/**
 * Storage of organisation-specific (negotiated or custom) prices. Rows are append-only: setting a
 * new price adds a row with its own effectiveFrom, so the full history stays and old costs can be
 * explained. The in-memory store serves unit tests and single-process runs; a MongoDB store
 * implements the same interface.
 */
import { randomUUID } from 'node:crypto';

import type { PriceRates, PriceTier } from './model-price';

export interface PriceOverride {
  id: string;
  organizationId: string;
  provider: string;
  model: string;
  rates: PriceRates;
  tiers: PriceTier[];
  effectiveFrom: Date;
  createdAt: Date;
  createdBy?: string;
}

export type NewPriceOverride = Omit<PriceOverride, 'id'>;

export interface PriceOverrideStore {
  insert(override: NewPriceOverride): Promise<PriceOverride>;
  /** All rows of one organisation for any of the given model names of a provider. */
  findForModels(organizationId: string, provider: string, models: string[]): Promise<PriceOverride[]>;
  /** All rows of one organisation, optionally for one provider. */
  list(organizationId: string, provider?: string): Promise<PriceOverride[]>;
}

export class InMemoryPriceOverrideStore implements PriceOverrideStore {
  private readonly rows: PriceOverride[] = [];

  async insert(override: NewPriceOverride): Promise<PriceOverride> {
    const row = { ...override, id: randomUUID() };
    this.rows.push(row);
    return structuredClone(row);
  }

  async findForModels(organizationId: string, provider: string, models: string[]): Promise<PriceOverride[]> {
    return this.rows
      .filter(
        (r) => r.organizationId === organizationId && r.provider === provider && models.includes(r.model),
      )
      .map((r) => structuredClone(r));
  }

  async list(organizationId: string, provider?: string): Promise<PriceOverride[]> {
    return this.rows
      .filter(
        (r) => r.organizationId === organizationId && (provider === undefined || r.provider === provider),
      )
      .map((r) => structuredClone(r));
  }
}
