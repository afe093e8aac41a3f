/**
 * A reservation: the worst-case estimate held on each applicable budget counter for one
 * request, keyed by the request id so settle and release are idempotent. HELD until the
 * cost job settles it, a provider failure releases it, or it expires (its process died).
 * PENDING is a reservation written alongside its increments (see ReservationService.hold) whose
 * increments were not yet confirmed; it becomes HELD right after.
 * `actualNano` is set exactly once, by whichever settle gets there first.
 *
 * The request's subject (project, user, key, provider, model, request time) is kept so that a
 * hold whose process died can still be charged as an estimate cost record; documents written
 * before these fields existed lack them and are released without one. `estimated`: the hold
 * expired and its estimate was charged (moved from reserved to spent). `adjustments`: the ids of
 * the adjustment records already applied to the spend (each applies once).
 */
import { Schema, type InferSchemaType } from 'mongoose';

export const RESERVATION_STATUSES = ['PENDING', 'HELD', 'SETTLED', 'RELEASED', 'EXPIRED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

const itemSchema = new Schema(
  {
    budgetId: { type: Schema.Types.ObjectId, required: true },
    counterId: { type: Schema.Types.ObjectId, required: true },
    amountNano: { type: BigInt, required: true },
  },
  { _id: false },
);

export const reservationSchema = new Schema(
  {
    _id: { type: String, required: true },
    organizationId: { type: String, required: true },
    projectId: { type: String, default: null },
    userId: { type: String, default: null },
    apiKeyId: { type: String, default: null },
    provider: { type: String, default: null },
    model: { type: String, default: null },
    requestedAt: { type: Date, default: null },
    items: { type: [itemSchema], required: true },
    estimateNano: { type: BigInt, required: true },
    status: { type: String, enum: RESERVATION_STATUSES, required: true },
    actualNano: { type: BigInt, default: null },
    expiresAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    closedAt: { type: Date, default: null },
    estimated: { type: Boolean, default: false },
    adjustments: { type: [String], default: undefined },
  },
  { collection: 'budget_reservations', versionKey: false },
);
reservationSchema.index({ status: 1, expiresAt: 1 });
reservationSchema.index({ 'items.counterId': 1, status: 1 });

export type BudgetReservationDoc = InferSchemaType<typeof reservationSchema>;
