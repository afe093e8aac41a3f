/**
 * One counter per budget and period window: settled spend and outstanding reservations in
 * integer nano-USD. `headroomNano` (= limit - spent - reserved) is kept precomputed so a
 * reservation is a single conditional `$inc` that MongoDB and the embedded server both
 * evaluate atomically (`headroomNano >= amount`), without `$expr` or transactions.
 * `version` changes on every write so the repair sweeper can detect concurrent activity.
 */
import { Schema, type InferSchemaType, type Types } from 'mongoose';

export const counterSchema = new Schema(
  {
    budgetId: { type: Schema.Types.ObjectId, required: true },
    organizationId: { type: String, required: true },
    periodStart: { type: Date, required: true },
    periodEnd: { type: Date, default: null },
    limitNano: { type: BigInt, required: true },
    spentNano: { type: BigInt, required: true, default: 0n },
    reservedNano: { type: BigInt, required: true, default: 0n },
    headroomNano: { type: BigInt, required: true },
    version: { type: Number, required: true, default: 0 },
    touchedAt: { type: Date, required: true },
    // The version the sweeper last verified against the cost records, and when: an unchanged
    // counter is re-verified only now and then, so a sweep does not rescan every record each time.
    checkedVersion: { type: Number, default: null },
    checkedAt: { type: Date, default: null },
    // Requests over this budget in the period: refused, or let through under ALERT_ONLY (for the
    // "budget limits" recommendation).
    blockedRequests: { type: Number, default: 0 },
  },
  { collection: 'budget_counters', versionKey: false },
);
counterSchema.index({ budgetId: 1, periodStart: 1 }, { unique: true });
counterSchema.index({ touchedAt: 1 });

export type BudgetCounterDoc = InferSchemaType<typeof counterSchema> & { _id: Types.ObjectId };
