/**
 * The budget check in front of every budgeted request: find the budgets that apply to the
 * caller (API key, user, project, organisation), estimate the worst case, reject per-request
 * excess and reserve on every periodic budget, all or nothing. If the check itself cannot be
 * done the request is refused (BUDGET_CHECK_UNAVAILABLE); it never passes unchecked.
 */
import { AppError } from '../shared/errors';
import type { Clock } from '../shared/clock';
import type { BudgetStore, BudgetSubject } from './budget.store';
import type { CostEstimator } from './estimate/estimate';
import { budgetCheckUnavailable, type HeldReservation, type ReservationService } from './reservation.service';

export interface EnforcementRequest {
  requestId: string;
  subject: BudgetSubject;
  provider: string;
  model: string;
  system?: string | null;
  messages: string[];
  maxOutputTokens?: number | null;
}

export interface EnforcementDeps {
  store: BudgetStore;
  estimator: CostEstimator;
  reservations: ReservationService;
  clock: Clock;
}

export class BudgetEnforcementService {
  constructor(private readonly deps: EnforcementDeps) {}

  /** Holds the worst case on every applicable budget; null when no budget applies. */
  async enforce(request: EnforcementRequest): Promise<HeldReservation | null> {
    let budgets;
    try {
      budgets = await this.deps.store.applicableTo(request.subject);
    } catch (error) {
      throw budgetCheckUnavailable(error);
    }
    if (budgets.length === 0) return null;
    let estimate;
    try {
      estimate = await this.deps.estimator.estimate({
        organizationId: request.subject.organizationId,
        provider: request.provider,
        model: request.model,
        system: request.system,
        messages: request.messages,
        maxOutputTokens: request.maxOutputTokens,
        at: this.deps.clock.now(),
      });
    } catch (error) {
      throw error instanceof AppError ? error : budgetCheckUnavailable(error);
    }
    return this.deps.reservations.reserve({
      requestId: request.requestId,
      organizationId: request.subject.organizationId,
      budgets,
      estimateNano: estimate.amountNano,
    });
  }

  /** Provider failure or cancelled request: drop the hold. Idempotent. */
  async release(requestId: string): Promise<void> {
    await this.deps.reservations.release(requestId);
  }
}
