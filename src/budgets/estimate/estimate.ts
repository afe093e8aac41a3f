/**
 * The worst-case cost of a request before it is sent: counted input tokens at the input
 * price (the long-context tier when the prompt is past it) plus the maximum output at the
 * highest output-side rate (output or reasoning, whichever is dearer). Rounded up.
 */
import { AppError } from '../../shared/errors';
import type { PricingService } from '../../pricing/pricing-service';
import type { ModelPrice, PriceRates } from '../../pricing/model-price';
import { ceilDiv } from '../arithmetic';
import { maxOutputTokensFor } from './model-limits';
import { countPromptTokens } from '../../shared/tokenizer';

/** What budgets need from pricing: the price in force for a model at a time. */
export type PriceLookup = Pick<PricingService, 'resolvePrice'>;

export interface EstimateRequest {
  organizationId: string;
  provider: string;
  model: string;
  system?: string | null;
  /** The new message and any earlier conversation turns that will be sent with it. */
  messages: string[];
  maxOutputTokens?: number | null;
  at: Date;
}

export interface CostEstimate {
  inputTokens: number;
  outputTokens: number;
  amountNano: bigint;
  priceVersion: string;
}

const MILLION = 1_000_000n;

export class CostEstimator {
  constructor(private readonly prices: PriceLookup) {}

  countInputTokens(request: Pick<EstimateRequest, 'provider' | 'model' | 'system' | 'messages'>): number {
    const texts = request.system ? [request.system, ...request.messages] : request.messages;
    return countPromptTokens(request.provider, request.model, texts);
  }

  async estimate(request: EstimateRequest): Promise<CostEstimate> {
    return this.estimateWith(await this.priceFor(request), request);
  }

  /** The price in force for the request; a model without one cannot be estimated (never $0). */
  async priceFor(request: Pick<EstimateRequest, 'organizationId' | 'provider' | 'model' | 'at'>) {
    const resolution = await this.prices.resolvePrice({
      organizationId: request.organizationId,
      provider: request.provider,
      model: request.model,
      at: request.at,
    });
    if (resolution.status !== 'priced') {
      throw new AppError(
        'BUDGET_CHECK_UNAVAILABLE',
        `Budgets apply to this request but its cost cannot be estimated: ${resolution.reason}`,
        { details: { provider: request.provider, model: request.model } },
      );
    }
    return resolution.price;
  }

  /** The worst case at a known price (synchronous: the price lookup can run alongside other reads). */
  estimateWith(price: ModelPrice, request: Omit<EstimateRequest, 'organizationId' | 'at'>): CostEstimate {
    const inputTokens = this.countInputTokens(request);
    const outputTokens = request.maxOutputTokens ?? maxOutputTokensFor(request.model);
    let rates: PriceRates = price.rates;
    for (const tier of [...price.tiers].sort((a, b) => a.abovePromptTokens - b.abovePromptTokens)) {
      if (inputTokens > tier.abovePromptTokens) rates = tier.rates;
    }
    const outputRate =
      rates.reasoning !== undefined && rates.reasoning > rates.output ? rates.reasoning : rates.output;
    const amountNano = ceilDiv(
      BigInt(inputTokens) * rates.input + BigInt(outputTokens) * outputRate,
      MILLION,
    );
    return { inputTokens, outputTokens, amountNano, priceVersion: price.version };
  }
}
