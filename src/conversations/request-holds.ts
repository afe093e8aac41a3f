/**
 * What a running request asks of its budget holds. The budget plugin holds the first model call's
 * worst case before the resolver runs; while the request runs, the request path adjusts that hold
 * through this seam (implemented by the budget feature, so conversations never import budgets):
 * - `trim`: keep only what was consumed and hand the rest back at once (a finished step, a stream
 *   cut short). The cost job later swaps what is still held for the recorded cost.
 * - `holdStep`: before each model call after the first in a tool loop, hold that call's worst case
 *   (from what it will really send: tool calls and results included) on top of what the calls so
 *   far consumed. Refused: the loop stops before the call, and the request answers with what it has.
 */
import type { ModelMessage, ToolSet } from 'ai';

import type { NormalisedUsage } from '../providers/usage/normalised-usage';

export interface RequestHolds {
  trim(requestId: string, keepNano: bigint): Promise<void>;
  holdStep(step: StepHoldRequest): Promise<StepHold>;
}

export interface StepHoldRequest {
  requestId: string;
  /** Who the request is charged to: per-request budgets apply to the loop's running total. */
  subject: { organizationId: string; projectId: string; userId: string | null; apiKeyId: string | null };
  provider: string;
  model: string;
  /** When the request was made: the calls are priced, and the next one estimated, at that price. */
  at: Date;
  /** Usage of every model call made so far, in order. */
  calls: NormalisedUsage[];
  /** What the next call sends: the system prompt, every message so far, and the tool definitions. */
  system?: string;
  messages: ModelMessage[];
  tools?: ToolSet;
  maxOutputTokens?: number;
}

/** The figures of a refused hold: the same ones the 402 BUDGET_EXCEEDED error carries (USD strings). */
export interface BudgetRefusal {
  budgetId: string;
  scope: string;
  period: string;
  limit: string;
  spent: string;
  reserved: string;
  requested: string;
}

export type StepHold =
  | { held: true }
  /**
   * The next call must not be made. BUDGET_EXCEEDED: a budget has no room for it (`refusal` has
   * the figures). BUDGET_CHECK_UNAVAILABLE: the hold could not be checked or is no longer open.
   */
  | {
      held: false;
      code: 'BUDGET_EXCEEDED' | 'BUDGET_CHECK_UNAVAILABLE';
      message: string;
      refusal: BudgetRefusal | null;
    };
