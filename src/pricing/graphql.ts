/** GraphQL: the `modelPrices` query and the `setModelPrice` mutation (organisation admins). */
import { builder } from '../schema/builder';
import type { Context } from '../server/context';
import { formatUsd, type NanoUsd } from '../shared/money';
import type { ModelPrice, PriceRates, PriceTier } from './model-price';
import type { ModelPriceListing } from './pricing-service';

function caller(ctx: Context) {
  if (!ctx.auth) throw new Error('scope check let an anonymous request through');
  return ctx.auth;
}

const usd = (value: NanoUsd | undefined) => (value === undefined ? null : formatUsd(value));

/** Pothos objects for the six per-MTok rates, shared by prices and their tiers. */
const PriceRatesRef = builder.objectRef<PriceRates>('PriceRates').implement({
  description:
    'USD per million tokens; a null rate falls back as documented (cache: input, 1h: 5m, reasoning: output).',
  fields: (t) => ({
    inputPerMTok: t.field({ type: 'Decimal', resolve: (r) => formatUsd(r.input) }),
    cachedInputPerMTok: t.field({ type: 'Decimal', nullable: true, resolve: (r) => usd(r.cachedInput) }),
    cacheWrite5mPerMTok: t.field({ type: 'Decimal', nullable: true, resolve: (r) => usd(r.cacheWrite5m) }),
    cacheWrite1hPerMTok: t.field({ type: 'Decimal', nullable: true, resolve: (r) => usd(r.cacheWrite1h) }),
    outputPerMTok: t.field({ type: 'Decimal', resolve: (r) => formatUsd(r.output) }),
    reasoningPerMTok: t.field({ type: 'Decimal', nullable: true, resolve: (r) => usd(r.reasoning) }),
  }),
});

const PriceTierRef = builder.objectRef<PriceTier>('PriceTier').implement({
  description: 'Long-context rates: used for a whole model call whose prompt exceeds the threshold.',
  fields: (t) => ({
    abovePromptTokens: t.exposeInt('abovePromptTokens'),
    rates: t.field({ type: PriceRatesRef, resolve: (tier) => tier.rates }),
  }),
});

export const ModelPriceRef = builder.objectRef<ModelPrice>('ModelPrice').implement({
  description: 'Prices in USD per million tokens, with where they come from and from when they apply.',
  fields: (t) => ({
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    origin: t.string({ description: 'CATALOG or OVERRIDE', resolve: (p) => p.origin.toUpperCase() }),
    version: t.exposeString('version', { description: 'Recorded on every cost computed with this price.' }),
    source: t.exposeString('source'),
    effectiveFrom: t.field({ type: 'DateTime', resolve: (p) => p.effectiveFrom }),
    rates: t.field({ type: PriceRatesRef, resolve: (p) => p.rates }),
    tiers: t.field({ type: [PriceTierRef], resolve: (p) => p.tiers }),
  }),
});

const ModelPriceListingRef = builder.objectRef<ModelPriceListing>('ModelPriceListing').implement({
  fields: (t) => ({
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    current: t.field({ type: ModelPriceRef, resolve: (l) => l.current }),
    history: t.field({ type: [ModelPriceRef], resolve: (l) => l.history }),
  }),
});

builder.queryField('modelPrices', (t) =>
  t.field({
    type: [ModelPriceListingRef],
    description: 'Prices in force for your organisation (catalog and your own), with their history.',
    args: { provider: t.arg.string(), at: t.arg({ type: 'DateTime' }) },
    resolve: (_r, args, ctx) =>
      ctx.services.pricing.listModelPrices(caller(ctx).organizationId, {
        provider: args.provider ?? undefined,
        at: args.at ?? ctx.clock.now(),
      }),
  }),
);

const PriceTierInput = builder.inputType('PriceTierInput', {
  fields: (t) => ({
    abovePromptTokens: t.int({ required: true }),
    inputPerMTok: t.field({ type: 'Decimal', required: true }),
    cachedInputPerMTok: t.field({ type: 'Decimal' }),
    cacheWritePerMTok: t.field({ type: 'Decimal' }),
    cacheWrite1hPerMTok: t.field({ type: 'Decimal' }),
    outputPerMTok: t.field({ type: 'Decimal', required: true }),
    reasoningPerMTok: t.field({ type: 'Decimal' }),
  }),
});

const SetModelPriceInput = builder.inputType('SetModelPriceInput', {
  fields: (t) => ({
    provider: t.string({ required: true }),
    model: t.string({ required: true }),
    inputPerMTok: t.field({ type: 'Decimal', required: true }),
    cachedInputPerMTok: t.field({ type: 'Decimal' }),
    cacheWritePerMTok: t.field({
      type: 'Decimal',
      description: 'Cache writes (both TTLs unless cacheWrite1hPerMTok is set).',
    }),
    cacheWrite1hPerMTok: t.field({ type: 'Decimal' }),
    outputPerMTok: t.field({ type: 'Decimal', required: true }),
    reasoningPerMTok: t.field({ type: 'Decimal' }),
    effectiveFrom: t.field({ type: 'DateTime', required: true }),
    tiers: t.field({ type: [PriceTierInput] }),
  }),
});

const RepricingEnum = builder.enumType('Repricing', {
  description: 'What happens to costs already recorded for the model.',
  values: {
    QUEUED: {
      value: 'queued',
      description:
        'A background job reprices them; each changed request gets an adjustment record, delivered on costUpdates.',
    },
    DONE: { value: 'done', description: 'They were repriced before the mutation returned.' },
  } as const,
});

const SetModelPricePayload = builder
  .objectRef<{ price: ModelPrice; repricing: 'queued' | 'done'; repricedRequests: number }>(
    'SetModelPricePayload',
  )
  .implement({
    fields: (t) => ({
      price: t.field({ type: ModelPriceRef, resolve: (p) => p.price }),
      repricing: t.field({ type: RepricingEnum, resolve: (p) => p.repricing }),
      repricedRequests: t.exposeInt('repricedRequests', {
        description:
          'Requests given an adjustment record before the mutation returned: 0 when repricing is QUEUED.',
      }),
    }),
  });

const dropNulls = (value: object) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));

builder.mutationField('setModelPrice', (t) =>
  t.field({
    type: SetModelPricePayload,
    authScopes: { orgAdmin: true },
    description:
      'Sets your organisation’s price for a model from effectiveFrom on; affected costs are repriced in the background.',
    args: { input: t.arg({ type: SetModelPriceInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const who = caller(ctx);
      const { price, repricing, adjustments } = await ctx.services.costs.setModelPrice(
        who.organizationId,
        { ...dropNulls(input), tiers: input.tiers?.map(dropNulls) },
        who.userId,
      );
      return { price, repricing, repricedRequests: adjustments.length };
    },
  }),
);
