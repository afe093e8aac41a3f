/**
 * Validation of `setModelPrice` input: prices are decimal strings (never floats), parsed to exact
 * nano-USD per million tokens; an unparseable or negative price is refused with BAD_USER_INPUT.
 */
import { z } from 'zod';

import { ValidationError } from '../shared/errors';
import { parseUsd } from '../shared/money';
import type { PriceRates, PriceTier } from './model-price';

const price = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative decimal string such as "2.50"');

const ratesShape = {
  inputPerMTok: price,
  cachedInputPerMTok: price.optional(),
  cacheWritePerMTok: price.optional(),
  cacheWrite1hPerMTok: price.optional(),
  outputPerMTok: price,
  reasoningPerMTok: price.optional(),
};

export const setModelPriceSchema = z.object({
  provider: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be a provider name such as "openai"'),
  model: z.string().trim().min(1, 'is required').max(200, 'is too long'),
  ...ratesShape,
  effectiveFrom: z.coerce.date({ invalid_type_error: 'must be a date' }),
  tiers: z
    .array(z.object({ abovePromptTokens: z.number().int().positive(), ...ratesShape }))
    .max(10)
    .optional(),
});

export type SetModelPriceInput = z.input<typeof setModelPriceSchema>;

export interface ParsedModelPrice {
  provider: string;
  model: string;
  rates: PriceRates;
  tiers: PriceTier[];
  effectiveFrom: Date;
}

type RateFields = z.infer<z.ZodObject<typeof ratesShape>>;

function toRates(fields: RateFields, prefix: string): PriceRates {
  const optional = (value: string | undefined, name: string) =>
    value === undefined ? undefined : parseUsd(value, `${prefix}${name}`);
  return {
    input: parseUsd(fields.inputPerMTok, `${prefix}inputPerMTok`),
    cachedInput: optional(fields.cachedInputPerMTok, 'cachedInputPerMTok'),
    // One cache-write price covers both TTLs unless a separate 1h price is given.
    cacheWrite5m: optional(fields.cacheWritePerMTok, 'cacheWritePerMTok'),
    cacheWrite1h: optional(fields.cacheWrite1hPerMTok ?? fields.cacheWritePerMTok, 'cacheWrite1hPerMTok'),
    output: parseUsd(fields.outputPerMTok, `${prefix}outputPerMTok`),
    reasoning: optional(fields.reasoningPerMTok, 'reasoningPerMTok'),
  };
}

export function parseSetModelPriceInput(input: unknown): ParsedModelPrice {
  const result = setModelPriceSchema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({
        field: issue.path.join('.') || 'input',
        message: issue.message,
      })),
    );
  }
  const data = result.data;
  if (Number.isNaN(data.effectiveFrom.getTime())) {
    throw new ValidationError([{ field: 'effectiveFrom', message: 'must be a valid date' }]);
  }
  return {
    provider: data.provider,
    model: data.model,
    rates: toRates(data, ''),
    tiers: (data.tiers ?? [])
      .map((tier, i) => ({ abovePromptTokens: tier.abovePromptTokens, rates: toRates(tier, `tiers.${i}.`) }))
      .sort((a, b) => a.abovePromptTokens - b.abovePromptTokens),
    effectiveFrom: data.effectiveFrom,
  };
}
