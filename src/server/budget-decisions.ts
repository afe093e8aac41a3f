/**
 * The contract between the budget check and budgeted fields. A root field marks itself with
 * `extensions: { budgeted: describe }`; before the operation runs, useBudgetEnforcement records one
 * decision per execution of such a field in the request's context (a hold, or "checked: no budget
 * applies"), keyed by response key; the field's resolver claims its decision before it runs
 * (src/schema/budgeted-plugin.ts) and refuses without one. Decisions live in a WeakMap keyed by the
 * context, so they end with the request.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { EnforcementRequest } from '../budgets/enforcement.service';
import type { HeldReservation } from '../budgets/reservation.service';
import { AppError } from '../shared/errors';
import type { AppContext } from './context';

/** What one execution of a budgeted field asks the check to hold: one model call's worst case. */
export type BudgetedCall = Omit<EnforcementRequest, 'requestId' | 'subject' | 'caller' | 'modelCalls'> & {
  projectId?: string | null;
};

/**
 * Maps a budgeted field's coerced arguments to what to estimate; null when no budget can apply.
 * Throwing (e.g. a ValidationError for input the resolver would refuse) refuses the operation.
 */
export type DescribeBudgetedCall = (
  args: Record<string, unknown>,
  context: AppContext,
) => BudgetedCall | null | Promise<BudgetedCall | null>;

/** The outcome of the check for one execution of a budgeted field. */
export interface BudgetDecision {
  /** The id this execution records its usage and settles under: distinct per aliased copy. */
  requestId: string;
  /** The hold, or null when no budget applies. */
  reservation: HeldReservation | null;
}

interface Recorded extends BudgetDecision {
  /** Set when the field's resolver started: a decision admits one execution. */
  claimed: boolean;
}

const decisions = new WeakMap<object, Map<string, Recorded>>();

/** Whether a field carries the budgeted mark (any value but false; only a function is valid). */
export function isBudgeted(extensions: Readonly<Record<string, unknown>> | null | undefined): boolean {
  const mark = extensions?.budgeted;
  return mark !== undefined && mark !== null && mark !== false;
}

function unchecked(key: string): AppError {
  return new AppError(
    'BUDGET_CHECK_UNAVAILABLE',
    `The budget check did not see "${key}", so it was not run. Retry; if it persists, report it.`,
  );
}

/** Remembers the check's decisions for this request (one per response key). */
export function recordBudgetDecisions(context: object, made: Map<string, BudgetDecision>): void {
  const map = new Map<string, Recorded>();
  for (const [key, decision] of made) map.set(key, { ...decision, claimed: false });
  decisions.set(context, map);
}

/** The decisions recorded for this request, with whether their field has started. */
export function recordedBudgetDecisions(context: object): ReadonlyMap<string, Readonly<Recorded>> {
  return decisions.get(context) ?? new Map();
}

function keyOf(info: Pick<GraphQLResolveInfo, 'path'>): string | null {
  // Budgeted fields are root fields (asserted at schema build): their path is one key long.
  return info.path.prev === undefined ? String(info.path.key) : null;
}

/** This execution's decision; refuses (fail closed) when the check recorded none for its path. */
export function budgetDecisionOf(context: object, info: Pick<GraphQLResolveInfo, 'path'>): BudgetDecision {
  const key = keyOf(info);
  const decision = key === null ? undefined : decisions.get(context)?.get(key);
  if (!decision) throw unchecked(key ?? String(info.path.key));
  return { requestId: decision.requestId, reservation: decision.reservation };
}

/**
 * Called by the budgeted field's wrapper before it runs: there must be a decision for this path,
 * not yet used, or the field refuses to run.
 */
export function claimBudgetDecision(context: object, info: Pick<GraphQLResolveInfo, 'path'>): void {
  const key = keyOf(info);
  const decision = key === null ? undefined : decisions.get(context)?.get(key);
  if (!decision || decision.claimed) throw unchecked(key ?? String(info.path.key));
  decision.claimed = true;
}
