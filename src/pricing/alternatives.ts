/**
 * Comparable cheaper models: for a catalog model, the models of the same provider that do the same
 * kind of work for less, most similar first. The map is curated (capability is a judgement the
 * prices cannot make); the prices check it: an alternative is offered only when, at the given
 * date, it costs no more per input and per output token and less on at least one of them. A map
 * entry that is not cheaper at today's catalog prices fails the unit tests, so a price change that
 * breaks the mapping is caught. Same provider only: switching provider needs its own keys and
 * contract.
 *
 * Public API: `cheaperAlternatives(provider, model, options)` and `modelTier(provider, model)`.
 */
import type { NanoUsd } from '../shared/money';
import { defaultCatalog, type PriceCatalog } from './catalog';
import type { ModelTier } from './catalog-data';

/** provider -> canonical model -> comparable cheaper models, most similar first. */
export const CHEAPER_ALTERNATIVES: Record<string, Record<string, string[]>> = {
  openai: {
    'gpt-4o-2024-05-13': ['gpt-4o', 'gpt-4.1'],
    'gpt-4o': ['gpt-4.1', 'gpt-4o-mini'],
    'gpt-4.1': ['gpt-4.1-mini', 'gpt-4o-mini'],
    'gpt-4.1-mini': ['gpt-4.1-nano'],
    'gpt-4o-mini': ['gpt-4.1-nano'],
    'gpt-5': ['gpt-5-mini'],
    'gpt-5-mini': ['gpt-5-nano'],
    o1: ['o3', 'o4-mini'],
    o3: ['o4-mini'],
    'o3-mini': ['gpt-5-mini'],
    'o4-mini': ['gpt-5-mini'],
  },
  anthropic: {
    'claude-opus-4-0': ['claude-opus-4-5', 'claude-sonnet-4-5'],
    'claude-opus-4-1': ['claude-opus-4-5', 'claude-sonnet-4-5'],
    'claude-opus-4-5': ['claude-sonnet-4-6', 'claude-sonnet-4-5'],
    'claude-sonnet-4-6': ['claude-sonnet-5', 'claude-haiku-4-5'],
    'claude-sonnet-4-5': ['claude-sonnet-5', 'claude-haiku-4-5'],
    'claude-sonnet-4-0': ['claude-sonnet-5', 'claude-haiku-4-5'],
    'claude-3-7-sonnet': ['claude-sonnet-5', 'claude-haiku-4-5'],
    'claude-sonnet-5': ['claude-haiku-4-5'],
    'claude-haiku-4-5': ['claude-3-5-haiku'],
    'claude-3-5-haiku': ['claude-3-haiku'],
  },
  google: {
    'gemini-3-pro-preview': ['gemini-2.5-pro', 'gemini-2.5-flash'],
    'gemini-2.5-pro': ['gemini-2.5-flash'],
    'gemini-2.5-flash': ['gemini-2.5-flash-lite', 'gemini-2.0-flash'],
    'gemini-2.0-flash': ['gemini-2.0-flash-lite'],
  },
};

export interface CheaperAlternative {
  provider: string;
  model: string;
  tier: ModelTier;
  /** Base (non-long-context) rates in force at the date asked about, nano-USD per MTok. */
  inputPerMTok: NanoUsd;
  outputPerMTok: NanoUsd;
  /** The same for the model asked about, to show the saving. */
  currentInputPerMTok: NanoUsd;
  currentOutputPerMTok: NanoUsd;
}

/** The tier of a catalog model (any accepted name), or null when unknown. */
export function modelTier(provider: string, model: string, catalog: PriceCatalog = defaultCatalog) {
  return catalog.tierOf(provider.trim().toLowerCase(), model) ?? null;
}

/**
 * Comparable cheaper models for `model` at `at` (default now), most similar first; empty for a
 * model the catalog does not know or has no cheaper peer for.
 */
export function cheaperAlternatives(
  provider: string,
  model: string,
  options: { at?: Date; catalog?: PriceCatalog } = {},
): CheaperAlternative[] {
  const catalog = options.catalog ?? defaultCatalog;
  const at = options.at ?? new Date();
  const name = provider.trim().toLowerCase();
  const canonical = catalog.canonicalModel(name, model);
  const current = canonical && catalog.priceAt(name, canonical, at);
  if (!canonical || !current) return [];
  const alternatives: CheaperAlternative[] = [];
  for (const candidate of CHEAPER_ALTERNATIVES[name]?.[canonical] ?? []) {
    const price = catalog.priceAt(name, candidate, at);
    const tier = catalog.tierOf(name, candidate);
    if (!price || !tier) continue;
    const { input, output } = price.rates;
    const cheaper =
      input <= current.rates.input &&
      output <= current.rates.output &&
      (input < current.rates.input || output < current.rates.output);
    if (!cheaper) continue;
    alternatives.push({
      provider: name,
      model: candidate,
      tier,
      inputPerMTok: input,
      outputPerMTok: output,
      currentInputPerMTok: current.rates.input,
      currentOutputPerMTok: current.rates.output,
    });
  }
  return alternatives;
}
