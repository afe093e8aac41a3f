/**
 * GraphQL for how a request ended: why it finished, each model call (tool step) with its own
 * usage and cost, and the budget that stopped its tool loop, if one did. Used by SendMessagePayload.
 */
import type { PricedCall } from '../costs/cost-calculator';
import { TokenUsageRef } from '../costs/graphql';
import type { ModelCall } from '../providers/model-call';
import { builder } from '../schema/builder';
import { formatUsd } from '../shared/money';
import { CALL_FINISH_REASONS, callFinishReason, REQUEST_FINISH_REASONS } from './finish-reason';
import type { StepStop } from './tool-step-holds';

export const RequestFinishReasonEnum = builder.enumType('RequestFinishReason', {
  description:
    'Why a request finished. TOOL_STEPS_EXHAUSTED: the tool loop reached maxToolSteps. BUDGET_EXCEEDED: a budget had no room for the next tool step, so it was not made (see budgetStop). BUDGET_CHECK_UNAVAILABLE: the next tool step could not be checked against budgets, so it was not made.',
  values: REQUEST_FINISH_REASONS,
});

const CallFinishReasonEnum = builder.enumType('ModelCallFinishReason', { values: CALL_FINISH_REASONS });

export const ModelCallCostRef = builder
  .objectRef<{ call: ModelCall; priced: PricedCall | undefined }>('ModelCallCost')
  .implement({
    description: 'One model call of a request (one tool step): its usage and what it cost.',
    fields: (t) => ({
      index: t.int({ description: 'Zero-based position in the tool loop.', resolve: (s) => s.call.index }),
      usage: t.field({ type: TokenUsageRef, resolve: (s) => s.call.usage }),
      cost: t.field({
        type: 'Decimal',
        nullable: true,
        description: 'USD, exact; null when the model has no price (unknown, not zero).',
        resolve: (s) => (s.priced?.status === 'priced' ? formatUsd(s.priced.cost.total) : null),
      }),
      finishReason: t.field({
        type: CallFinishReasonEnum,
        resolve: (s) => callFinishReason(s.call.finishReason),
      }),
    }),
  });

export const BudgetRefusalRef = builder.objectRef<StepStop>('BudgetRefusal').implement({
  description:
    'Why the tool loop stopped before its next step: the same figures a BUDGET_EXCEEDED error carries (USD). The figures are null when the budgets could not be checked (BUDGET_CHECK_UNAVAILABLE).',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    budgetId: t.id({ nullable: true, resolve: (s) => s.refusal?.budgetId ?? null }),
    scope: t.string({ nullable: true, resolve: (s) => s.refusal?.scope ?? null }),
    period: t.string({ nullable: true, resolve: (s) => s.refusal?.period ?? null }),
    limit: t.field({ type: 'Decimal', nullable: true, resolve: (s) => s.refusal?.limit ?? null }),
    spent: t.field({ type: 'Decimal', nullable: true, resolve: (s) => s.refusal?.spent ?? null }),
    reserved: t.field({ type: 'Decimal', nullable: true, resolve: (s) => s.refusal?.reserved ?? null }),
    requested: t.field({ type: 'Decimal', nullable: true, resolve: (s) => s.refusal?.requested ?? null }),
  }),
});
