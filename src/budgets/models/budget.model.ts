/**
 * The Budget document: who it limits (scope + scopeId inside an organisation), over which
 * period, how much (integer nano-USD) and what happens at 100%.
 */
import { Schema, type InferSchemaType, type Types } from 'mongoose';
import { BUDGET_ACTIONS, BUDGET_SCOPES } from '../budget-input';
import { BUDGET_PERIODS } from '../period';

export const budgetSchema = new Schema(
  {
    organizationId: { type: String, required: true },
    scope: { type: String, enum: BUDGET_SCOPES, required: true },
    scopeId: { type: String, required: true },
    name: { type: String, default: null },
    period: { type: String, enum: BUDGET_PERIODS, required: true },
    limitNano: { type: BigInt, required: true },
    timezone: { type: String, required: true, default: 'UTC' },
    thresholds: { type: [Number], required: true },
    action: { type: String, enum: BUDGET_ACTIONS, required: true, default: 'BLOCK' },
    enabled: { type: Boolean, required: true, default: true },
    startsAt: { type: Date, default: null },
    endsAt: { type: Date, default: null },
    createdBy: { type: String, default: null },
  },
  { timestamps: true, collection: 'budgets' },
);
// The enforcement path looks budgets up by what they limit; listing is per organisation.
budgetSchema.index({ scope: 1, scopeId: 1 });
budgetSchema.index({ organizationId: 1, createdAt: -1 });

export type BudgetDoc = InferSchemaType<typeof budgetSchema> & { _id: Types.ObjectId };
