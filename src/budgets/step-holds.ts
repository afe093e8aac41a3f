/**
 * Holds for the model calls of a tool loop after the first (the budget plugin holds the first).
 * Before each call the request's hold is set to what the calls so far actually cost plus the next
 * call's worst case (a trim and an extend in one set of writes, `ReservationService.extend` with
 * `consumed`), the worst case estimated from what the call really sends: the system
 * prompt, the history and message, every tool call and result so far, and the tool definitions,
 * plus the maximum output. Both are priced with the price in force when the request was made
 * (the price the first hold and the cost job use). One reservation per request is kept, so the
 * cost job's single settle still swaps the whole hold for the recorded cost.
 *
 * Per-request budgets hold nothing; they refuse a call that would take the loop's running total
 * (spent so far plus the call's worst case) past their limit, as they refuse a first call.
 */
import { costOfCall } from '../costs/cost-calculator';
import type { BudgetRefusal, StepHold, StepHoldRequest } from '../conversations/request-holds';
import { AppError, isAppError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { BudgetEnforcementService } from './enforcement.service';
import type { CostEstimator } from './estimate/estimate';
import { stepMessageTexts, toolDefinitionTexts } from './estimate/step-context';
import { budgetExceeded, type ReservationService } from './reservation.service';

export interface StepHoldsDeps {
  enforcement: Pick<BudgetEnforcementService, 'applicableTo'>;
  estimator: CostEstimator;
  reservations: Pick<ReservationService, 'extend'>;
  logger: Logger;
}

export class StepHolds {
  constructor(private readonly deps: StepHoldsDeps) {}

  async holdStep(step: StepHoldRequest): Promise<StepHold> {
    try {
      return await this.hold(step);
    } catch (error) {
      // Fail closed: a call whose hold could not be checked is not made.
      if (!isAppError(error) || error.code !== 'BUDGET_CHECK_UNAVAILABLE')
        this.deps.logger.error({ err: error, requestId: step.requestId }, 'tool step hold failed');
      return {
        held: false,
        code: 'BUDGET_CHECK_UNAVAILABLE',
        message: isAppError(error)
          ? error.message
          : 'Budgets could not be checked for the next tool step; the loop stopped before it.',
        refusal: null,
      };
    }
  }

  private async hold(step: StepHoldRequest): Promise<StepHold> {
    const budgets = await this.deps.enforcement.applicableTo(step.subject);
    if (budgets.length === 0) return { held: true };
    const { estimator, reservations } = this.deps;
    const price = await estimator.priceFor({ ...step, organizationId: step.subject.organizationId });
    const spentNano = step.calls.reduce((sum, usage) => {
      const priced = costOfCall(usage, price);
      return sum + (priced.status === 'priced' ? priced.cost.total : 0n);
    }, 0n);
    const worst = estimator.estimateWith(price, {
      provider: step.provider,
      model: step.model,
      system: step.system,
      messages: [...(await toolDefinitionTexts(step.tools)), ...stepMessageTexts(step.messages)],
      maxOutputTokens: step.maxOutputTokens,
    }).amountNano;
    for (const budget of budgets) {
      if (budget.period !== 'PER_REQUEST' || budget.action !== 'BLOCK') continue;
      if (spentNano + worst > budget.limitNano) {
        // As for a first call, the figure is what the whole request may cost.
        const figures = {
          spentNano: 0n,
          reservedNano: 0n,
          requestedNano: spentNano + worst,
          periodEnd: null,
        };
        return refused(budgetExceeded(budget, figures));
      }
    }
    // Trim to the actual cost and extend by the next worst case, in one set of writes.
    const extended = await reservations.extend(step.requestId, worst, { consumed: spentNano, budgets });
    switch (extended.status) {
      case 'extended':
      case 'unknown': // no periodic budget applied when the request started: nothing to hold
        return { held: true };
      case 'refused':
        return refused(extended.error);
      case 'closed':
        return {
          held: false,
          code: 'BUDGET_CHECK_UNAVAILABLE',
          message:
            'The request’s budget hold was closed (it ran past the hold’s lifetime); the tool loop stopped before its next step.',
          refusal: null,
        };
    }
  }
}

function refused(error: AppError): StepHold {
  return {
    held: false,
    code: 'BUDGET_EXCEEDED',
    message: error.message,
    refusal: error.details as unknown as BudgetRefusal,
  };
}
