/**
 * Stored budget alerts. `dedupeKey` is unique: it is what makes a threshold fire exactly
 * once per budget, period and threshold (across restarts and concurrent workers) and a
 * BudgetExceeded alert at most once per budget per minute.
 */
import { Schema, type InferSchemaType, type Types } from 'mongoose';
import { BUDGET_PERIODS } from '../period';
import { BUDGET_SCOPES } from '../budget-input';

export const ALERT_KINDS = ['THRESHOLD', 'EXCEEDED', 'FORECAST'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_SEVERITIES = ['INFO', 'WARNING', 'CRITICAL'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const alertSchema = new Schema(
  {
    organizationId: { type: String, required: true },
    budgetId: { type: Schema.Types.ObjectId, required: true },
    scope: { type: String, enum: BUDGET_SCOPES, required: true },
    scopeId: { type: String, required: true },
    period: { type: String, enum: BUDGET_PERIODS, required: true },
    kind: { type: String, enum: ALERT_KINDS, required: true },
    threshold: { type: Number, default: null },
    severity: { type: String, enum: ALERT_SEVERITIES, required: true },
    spentNano: { type: BigInt, required: true },
    limitNano: { type: BigInt, required: true },
    requestedNano: { type: BigInt, default: null },
    projectedNano: { type: BigInt, default: null },
    periodStart: { type: Date, default: null },
    periodEnd: { type: Date, default: null },
    message: { type: String, required: true },
    dedupeKey: { type: String, required: true },
    createdAt: { type: Date, required: true },
    acknowledgedAt: { type: Date, default: null },
    acknowledgedBy: { type: String, default: null },
  },
  { collection: 'budget_alerts', versionKey: false },
);
alertSchema.index({ dedupeKey: 1 }, { unique: true });
alertSchema.index({ organizationId: 1, createdAt: -1 });
alertSchema.index({ budgetId: 1, createdAt: -1 });

export type BudgetAlertDoc = InferSchemaType<typeof alertSchema> & { _id: Types.ObjectId };
