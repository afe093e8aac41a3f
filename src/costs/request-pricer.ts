/**
 * Prices a whole request (every model call of it) with the price in force when it was made.
 * This is what the cost-tracking job, the synchronous mode and repricing all call.
 */
import type { PricingService } from '../pricing/pricing-service';
import type { NormalisedUsage } from '../providers/usage/normalised-usage';
import { combineCalls, costOfCall, type PricedCall, type PricedRequest } from './cost-calculator';

export interface RequestToPrice {
  organizationId: string;
  provider: string;
  model: string;
  /** When the request was made: selects the dated price. */
  at: Date;
  /** Usage of each model call, in order. */
  calls: NormalisedUsage[];
}

export async function priceRequest(pricing: PricingService, request: RequestToPrice): Promise<PricedRequest> {
  const resolution = await pricing.resolvePrice(request);
  const calls: PricedCall[] = request.calls.map((usage) =>
    resolution.status === 'priced'
      ? costOfCall(usage, resolution.price)
      : { status: 'unpriced', usage, reason: resolution.reason },
  );
  return combineCalls(calls);
}
