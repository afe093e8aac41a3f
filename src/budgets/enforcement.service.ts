/**
 * The budget check in front of every budgeted request: find the budgets that apply to the
 * caller (API key, user, project, organisation), estimate the worst case (system prompt, earlier
 * conversation turns and the new message, plus the maximum output), reject per-request excess and
 * reserve on every periodic budget, all or nothing. If the check itself cannot be done the
 * request is refused (BUDGET_CHECK_UNAVAILABLE); it never passes unchecked.
 *
 * The request path is kept to the round trips that decide: budgets come from BudgetCache, and
 * the price and conversation reads run side by side.
 */
import type { Caller } from '../auth/roles';
import { AppError } from '../shared/errors';
import type { Clock } from '../shared/clock';
import { BudgetCache } from './budget-cache';
import type { BudgetRecord } from './budget-record';
import { applicableBudgets, type BudgetStore, type BudgetSubject } from './budget.store';
import { conversationContext, type ConversationReader } from './estimate/conversation-history';
import type { CostEstimator } from './estimate/estimate';
import { budgetCheckUnavailable, type HeldReservation, type ReservationService } from './reservation.service';

export interface EnforcementRequest {
  requestId: string;
  subject: BudgetSubject;
  provider: string;
  model: string;
  system?: string | null;
  /** The new message(s); earlier turns are read from `conversationId`. */
  messages: string[];
  maxOutputTokens?: number | null;
  /** Continuing a conversation: its earlier turns count as input, its project as the project. */
  conversationId?: string | null;
  /** Who asks (needed to read the conversation they continue). */
  caller?: Caller;
  /** Model calls the request may make (the MCP tool loop's step bound); each may cost the worst case. */
  modelCalls?: number;
  /**
   * Reads the continued conversation for this request, so the request itself can reuse what the
   * check read (`ConversationService.readerFor`). Defaults to the deps' reader.
   */
  conversations?: ConversationReader;
}

export interface EnforcementDeps {
  store: BudgetStore;
  estimator: CostEstimator;
  reservations: ReservationService;
  clock: Clock;
  /** Defaults to a cache over `store` (invalidated by its writes). */
  cache?: BudgetCache;
  conversations?: ConversationReader;
}

export class BudgetEnforcementService {
  private readonly cache: BudgetCache;

  constructor(private readonly deps: EnforcementDeps) {
    this.cache = deps.cache ?? new BudgetCache((org) => deps.store.enabledIn(org));
    deps.store.onChange((org) => this.cache.invalidate(org));
  }

  /** Holds the worst case on every applicable budget; null when no budget applies. */
  async enforce(request: EnforcementRequest): Promise<HeldReservation | null> {
    const { subject } = request;
    const at = this.deps.clock.now();
    const priceFor = () =>
      this.deps.estimator.priceFor({
        organizationId: subject.organizationId,
        provider: request.provider,
        model: request.model,
        at,
      });
    const conversations = request.conversations ?? this.deps.conversations;
    const { caller } = request;
    const continues = !!(request.conversationId && conversations && caller);
    let budgets;
    let history = null;
    let price;
    try {
      const inOrganization = await this.cache.get(subject.organizationId);
      if (inOrganization.length === 0) return null;
      if (!continues) {
        budgets = applicableBudgets(inOrganization, subject);
        if (budgets.length === 0) return null;
        price = await priceFor();
      } else {
        // The conversation decides the project (so the budgets); the price is read alongside it.
        const [read, priced] = await Promise.allSettled([
          conversationContext(conversations!, caller!, request.conversationId!),
          priceFor(),
        ]);
        if (read.status === 'rejected') throw read.reason;
        history = read.value;
        // Costs of a continued conversation are charged to its project, so its budget applies.
        budgets = applicableBudgets(
          inOrganization,
          history ? { ...subject, projectId: history.projectId } : subject,
        );
        if (budgets.length === 0) return null;
        if (priced.status === 'rejected') throw priced.reason;
        price = priced.value;
      }
    } catch (error) {
      throw error instanceof AppError ? error : budgetCheckUnavailable(error);
    }
    const estimate = this.deps.estimator.estimateWith(price, {
      provider: request.provider,
      model: request.model,
      system: request.system,
      messages: history ? [...history.messages, ...request.messages] : request.messages,
      maxOutputTokens: request.maxOutputTokens,
    });
    return this.deps.reservations.reserve({
      requestId: request.requestId,
      organizationId: subject.organizationId,
      budgets,
      estimateNano: estimate.amountNano * BigInt(Math.max(1, request.modelCalls ?? 1)),
      // Charged as an estimate if the process dies mid-call: to the project the cost would go to.
      subject: {
        projectId: history ? history.projectId : subject.projectId,
        userId: subject.userId,
        apiKeyId: subject.apiKeyId,
        provider: request.provider,
        model: request.model,
        requestedAt: at,
      },
    });
  }

  /** The enabled budgets that apply to a subject, from the cache (the tool-step holds ask per step). */
  async applicableTo(subject: BudgetSubject): Promise<BudgetRecord[]> {
    try {
      return applicableBudgets(await this.cache.get(subject.organizationId), subject);
    } catch (error) {
      throw budgetCheckUnavailable(error);
    }
  }

  /** Provider failure or cancelled request: drop the hold. Idempotent. */
  async release(requestId: string): Promise<void> {
    await this.deps.reservations.release(requestId);
  }
}
