/**
 * Keeps counters honest when processes die:
 * - reservations HELD past their expiry (their process died before settling or releasing)
 *   are closed as EXPIRED. The call may well have been made and paid for, so its worst case is
 *   charged: an `estimated` cost record first (deterministic id, announced like any record), then
 *   the transition that moves the hold from reserved to spent. A sweep that dies in between leaves
 *   the hold HELD and the next one completes it; the record is never written twice;
 * - counters are recomputed from the truth (HELD reservations for `reserved`, cost records for
 *   `spent`) and corrected when they drifted, e.g. after a crash between an increment and the
 *   reservation write. A correction only applies to a counter that has been quiet for a while
 *   and is still at the version that was read, so it never races a live reservation or settle;
 * - thresholds reached but never alerted (crash after settle) are raised.
 */
import type { Logger } from '../shared/logger';
import type { AlertService } from './alert.service';
import { toNano } from './budget-record';
import type { BudgetStore } from './budget.store';
import type { Clock } from '../shared/clock';
import { toCounterState, type CounterState } from './counters';
import type { BudgetModels } from './models';
import type { ReservationService, SpendSource } from './reservation.service';
import type { CostEstimateInput } from '../costs/estimate-records';
import type { BudgetReservationDoc } from './models/budget-reservation.model';

/** Charges a dead request's estimate (cost tracking's `recordEstimate`); null: it has a charge. */
export interface EstimateRecorder {
  recordEstimate(input: CostEstimateInput): Promise<unknown>;
}

export interface SweeperOptions {
  models: BudgetModels;
  reservations: ReservationService;
  alerts: AlertService;
  budgets: BudgetStore;
  clock: Clock;
  logger: Logger;
  spend?: SpendSource;
  /** Without it (unit tests) expired holds are released without a cost record. */
  estimates?: EstimateRecorder;
  /** A counter written to more recently than this is left alone (an operation may be mid-way). */
  quietMs?: number;
  /** How far back ended periods are still checked. */
  lookbackMs?: number;
  /** A counter unchanged since its last verification is verified again after this long. */
  recheckMs?: number;
}

export interface SweepResult {
  expired: number;
  /** Counters verified against the reservations and cost records in this run. */
  checked: number;
  repaired: number;
  alerts: number;
}

export class BudgetSweeper {
  private readonly quietMs: number;
  private readonly lookbackMs: number;
  private readonly recheckMs: number;

  constructor(private readonly options: SweeperOptions) {
    this.quietMs = options.quietMs ?? 60_000;
    this.lookbackMs = options.lookbackMs ?? 7 * 86_400_000;
    this.recheckMs = options.recheckMs ?? 3_600_000;
  }

  async sweep(): Promise<SweepResult> {
    const expired = await this.expireReservations();
    const repair = await this.repairCounters();
    return { expired, ...repair };
  }

  async expireReservations(): Promise<number> {
    const { models, clock } = this.options;
    const now = clock.now();
    const stale = await models.Reservation.find({ status: 'HELD', expiresAt: { $lte: now } }).lean();
    let expired = 0;
    for (const reservation of stale) {
      try {
        if (await this.expireOne(reservation as BudgetReservationDoc & { _id: string })) expired += 1;
      } catch (error) {
        // It stays HELD, so the next sweep does it again (every step is idempotent).
        this.options.logger.warn(
          { err: error, requestId: reservation._id },
          'could not expire a budget hold',
        );
      }
    }
    // A PENDING one may never have been counted (its process died before its increments landed),
    // so nothing is subtracted: at worst `reserved` over-counts until the counter is repaired.
    const pending = await models.Reservation.updateMany(
      { status: 'PENDING', expiresAt: { $lte: now } },
      { $set: { status: 'EXPIRED', closedAt: now } },
    );
    return expired + pending.modifiedCount;
  }

  /** Charges the hold's estimate, then closes it (the record first: see the module comment). */
  private async expireOne(reservation: BudgetReservationDoc & { _id: string }): Promise<boolean> {
    const { reservations, estimates } = this.options;
    const requestId = String(reservation._id);
    const { provider, model, requestedAt } = reservation;
    // Holds written before they carried their subject cannot be attributed: released as before.
    if (!estimates || !provider || !model || !requestedAt) return reservations.release(requestId, 'EXPIRED');
    // A hold already trimmed to nothing (a refused step with nothing consumed) has nothing to charge.
    if (toNano(reservation.estimateNano) === 0n) return reservations.release(requestId, 'EXPIRED');
    const estimate = await estimates.recordEstimate({
      requestId,
      organizationId: reservation.organizationId,
      projectId: reservation.projectId ?? null,
      userId: reservation.userId ?? null,
      apiKeyId: reservation.apiKeyId ?? null,
      provider,
      model,
      requestedAt,
      amountNano: toNano(reservation.estimateNano),
      reason: 'HOLD_EXPIRED',
    });
    // No estimate: the request's real charge is already recorded and its settlement will count it.
    if (!estimate) return reservations.release(requestId, 'EXPIRED');
    return reservations.expireAsEstimated(requestId);
  }

  async repairCounters(): Promise<{ checked: number; repaired: number; alerts: number }> {
    const { models, clock } = this.options;
    const now = clock.now();
    const candidates = await models.Counter.find({
      touchedAt: { $lte: new Date(now.getTime() - this.quietMs) },
      $or: [{ periodEnd: null }, { periodEnd: { $gt: new Date(now.getTime() - this.lookbackMs) } }],
    }).lean();
    const recheckBefore = now.getTime() - this.recheckMs;
    let checked = 0;
    let repaired = 0;
    let alerts = 0;
    for (const raw of candidates) {
      const counter = toCounterState(raw);
      // Verified at this version recently: nothing wrote to it since, so nothing can have drifted
      // through it (spend that never reaches a counter is caught by the periodic re-check).
      if (raw.checkedVersion === counter.version && raw.checkedAt && raw.checkedAt.getTime() > recheckBefore)
        continue;
      checked += 1;
      try {
        const fixed = await this.repairOne(counter);
        if (fixed) repaired += 1;
        const current = fixed ?? counter;
        const budget = await this.options.budgets.find(counter.budgetId);
        if (budget) alerts += (await this.options.alerts.catchUp(budget, current)).length;
        await models.Counter.updateOne(
          { _id: current.id, version: current.version },
          { $set: { checkedVersion: current.version, checkedAt: now } },
        );
      } catch (error) {
        this.options.logger.warn({ err: error, counterId: counter.id }, 'budget counter repair failed');
      }
    }
    return { checked, repaired, alerts };
  }

  /** Returns the corrected counter, or null when it was right (or changed under us). */
  private async repairOne(counter: CounterState): Promise<CounterState | null> {
    const { models, spend, budgets } = this.options;
    // Open holds; PENDING ones count too (over-counting is the safe side).
    const held = await models.Reservation.find(
      { 'items.counterId': counter.id, status: { $in: ['HELD', 'PENDING'] } },
      { items: 1 },
    ).lean();
    let reserved = 0n;
    for (const reservation of held) {
      for (const item of reservation.items)
        if (String(item.counterId) === counter.id) reserved += toNano(item.amountNano);
    }
    let spent = counter.spentNano;
    const budget = await budgets.find(counter.budgetId);
    if (spend && budget) {
      spent = await spend.spentInWindow(
        budget,
        { start: counter.periodStart, end: counter.periodEnd },
        held.map((r) => String(r._id)),
      );
    }
    const limit = budget?.limitNano ?? counter.limitNano;
    if (spent === counter.spentNano && reserved === counter.reservedNano && limit === counter.limitNano) {
      if (counter.headroomNano === limit - spent - reserved) return null;
    }
    const doc = await models.Counter.findOneAndUpdate(
      { _id: counter.id, version: counter.version },
      {
        $set: {
          spentNano: spent,
          reservedNano: reserved,
          limitNano: limit,
          headroomNano: limit - spent - reserved,
        },
        $inc: { version: 1 },
      },
      { returnDocument: 'after' },
    ).lean();
    if (!doc) return null;
    this.options.logger.info(
      {
        counterId: counter.id,
        budgetId: counter.budgetId,
        from: { spent: String(counter.spentNano), reserved: String(counter.reservedNano) },
        to: { spent: String(spent), reserved: String(reserved) },
      },
      'budget counter repaired',
    );
    return toCounterState(doc);
  }
}
