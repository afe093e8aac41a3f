/**
 * Reservations: holding a request's worst-case cost on every applicable budget, all or
 * nothing, then settling it with the actual cost or releasing it.
 *
 * The embedded database refuses multi-document transactions, so a reservation is a series
 * of ordered single-document conditional increments (`headroomNano >= amount`), undone in
 * reverse when one of them fails. The reservation document is written after the increments;
 * if a process dies in between, the counters briefly over-count `reserved` (never
 * under-count, so limits still hold) until the sweeper repairs them.
 *
 * Settle and release are keyed by request id and idempotent: the first atomic status
 * transition wins, later calls are no-ops.
 */
import { AppError } from '../shared/errors';
import { formatUsd } from '../shared/money';
import type { Logger } from '../shared/logger';
import type { Clock } from '../shared/clock';
import type { AlertService } from './alert.service';
import type { BudgetRecord } from './budget-record';
import {
  adjustCounter,
  findCounter,
  reserveOnCounter,
  reserveOnKnownCounters,
  toCounterState,
  type CounterState,
  type KnownCountersOutcome,
} from './counters';
import type { BudgetModels } from './models';
import { currentWindow, type PeriodWindow } from './period';
import { Types } from 'mongoose';
import { toNano } from './budget-record';
import type { BudgetStore } from './budget.store';

/**
 * Spend recorded for a budget in a window, from the cost records: seeds new counters and
 * lets the sweeper repair old ones. `excludeRequestIds` are requests still HELD (their cost
 * may be recorded but not yet settled), which the counter holds as reserved, not spent.
 */
export interface SpendSource {
  spentInWindow(budget: BudgetRecord, window: PeriodWindow, excludeRequestIds?: string[]): Promise<bigint>;
}

export interface ReservationRequest {
  requestId: string;
  organizationId: string;
  budgets: BudgetRecord[];
  estimateNano: bigint;
  /**
   * What the request is, kept on the hold so that if its process dies mid-call the sweeper can
   * still charge the estimate to the right project, user, key and model.
   */
  subject?: ReservationSubject;
}

export interface ReservationSubject {
  projectId?: string | null;
  userId?: string | null;
  apiKeyId?: string | null;
  provider: string;
  model: string;
  requestedAt: Date;
}

export interface HeldReservation {
  requestId: string;
  estimateNano: bigint;
  budgetIds: string[];
}

/** What extending a hold did (see `ReservationService.extend`). */
export type ExtendOutcome =
  | { status: 'extended' }
  /** A BLOCK budget had no room: nothing was added; the error carries the 402's figures. */
  | { status: 'refused'; error: AppError }
  | { status: 'unknown' }
  | { status: 'closed' };

export interface ReservationServiceOptions {
  models: BudgetModels;
  clock: Clock;
  alerts: AlertService;
  budgets: BudgetStore;
  logger: Logger;
  spend?: SpendSource;
  /** How long a reservation may stay HELD before the sweeper assumes its process died. */
  reservationTtlMs?: number;
}

interface Applied {
  budget: BudgetRecord;
  counterId: string;
  /** The counter after the increment, when the path that made it returned it. */
  counter: CounterState | null;
}

export const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

export class ReservationService {
  private readonly ttlMs: number;
  /** Counter id per budget and period start, learnt from earlier reservations of this process. */
  private readonly counterIds = new Map<string, string>();

  constructor(private readonly options: ReservationServiceOptions) {
    this.ttlMs = options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
  }

  /**
   * Rejects per-request excess, then holds the estimate on every periodic budget.
   * Throws BUDGET_EXCEEDED (nothing held) or BUDGET_CHECK_UNAVAILABLE (nothing left held
   * that the sweeper cannot repair). Returns null when no budget applies.
   */
  async reserve(request: ReservationRequest): Promise<HeldReservation | null> {
    const { clock } = this.options;
    const now = clock.now();
    const amount = request.estimateNano;
    const periodic: { budget: BudgetRecord; window: PeriodWindow }[] = [];
    for (const budget of [...request.budgets].sort((a, b) => a.id.localeCompare(b.id))) {
      if (!budget.enabled) continue;
      if (budget.period === 'PER_REQUEST') {
        if (amount > budget.limitNano) {
          const figures = {
            spentNano: 0n,
            reservedNano: 0n,
            requestedNano: amount,
            periodStart: null,
            periodEnd: null,
          };
          await this.noteBlocked(budget, figures);
          if (budget.action === 'BLOCK') throw budgetExceeded(budget, figures);
        }
        continue;
      }
      const window = currentWindow(budget, now);
      if (window) periodic.push({ budget, window });
    }
    if (periodic.length === 0) return null;

    const applied: Applied[] = [];
    try {
      const { refusedAt, recorded } = await this.hold(request, periodic, now, applied);
      if (refusedAt >= 0) {
        const { budget, window } = periodic[refusedAt]!;
        await this.compensate(applied, amount);
        const current = await findCounter(this.options.models.Counter, budget.id, window.start);
        const figures = {
          spentNano: current?.spentNano ?? 0n,
          reservedNano: current?.reservedNano ?? 0n,
          requestedNano: amount,
          periodStart: window.start,
          periodEnd: window.end,
        };
        await this.noteBlocked(budget, figures);
        throw budgetExceeded(budget, figures);
      }
      for (const { budget, counter } of applied) {
        if (counter && budget.action !== 'BLOCK' && counter.headroomNano < 0n) {
          await this.noteBlocked(budget, {
            ...counter,
            requestedNano: amount,
            periodStart: counter.periodStart,
            periodEnd: counter.periodEnd,
          });
        }
      }
      if (!recorded)
        await this.record(
          request,
          applied.map((a) => [a.budget.id, a.counterId]),
          'HELD',
          now,
        );
    } catch (error) {
      if (error instanceof AppError) throw error;
      await this.compensate(applied, amount).catch(() => undefined);
      if ((error as { code?: number }).code === 11000) {
        throw new AppError(
          'CONFLICT',
          `Request id ${request.requestId} already holds a reservation; use a new request id.`,
        );
      }
      this.options.logger.error({ err: error, requestId: request.requestId }, 'budget reservation failed');
      throw unavailable(error);
    }
    return { requestId: request.requestId, estimateNano: amount, budgetIds: applied.map((a) => a.budget.id) };
  }

  private async noteBlocked(budget: BudgetRecord, figures: Parameters<AlertService['onBlocked']>[1]) {
    try {
      if (figures.periodStart) {
        await this.options.models.Counter.updateOne(
          { budgetId: budget.id, periodStart: figures.periodStart },
          { $inc: { blockedRequests: 1 } },
        );
      }
      await this.options.alerts.onBlocked(budget, figures);
    } catch (error) {
      // The block itself must not fail because its alert could not be stored.
      this.options.logger.warn({ err: error, budgetId: budget.id }, 'could not record BudgetExceeded alert');
    }
  }

  private async compensate(applied: Applied[], amount: bigint): Promise<void> {
    const now = this.options.clock.now();
    for (const { counterId } of [...applied].reverse())
      await adjustCounter(this.options.models.Counter, counterId, { reserved: -amount }, now);
  }

  /** Writes the reservation document (through the driver: no mongoose document on the request path). */
  private async record(
    request: ReservationRequest,
    items: [budgetId: string, counterId: string][],
    status: 'HELD' | 'PENDING',
    now: Date,
  ): Promise<void> {
    await this.options.models.Reservation.collection.insertOne({
      _id: request.requestId as unknown as Types.ObjectId,
      organizationId: request.organizationId,
      projectId: request.subject?.projectId ?? null,
      userId: request.subject?.userId ?? null,
      apiKeyId: request.subject?.apiKeyId ?? null,
      provider: request.subject?.provider ?? null,
      model: request.subject?.model ?? null,
      requestedAt: request.subject?.requestedAt ?? null,
      items: items.map(([budgetId, counterId]) => ({
        budgetId: new Types.ObjectId(budgetId),
        counterId: new Types.ObjectId(counterId),
        amountNano: request.estimateNano,
      })),
      estimateNano: request.estimateNano,
      status,
      actualNano: null,
      expiresAt: new Date(now.getTime() + this.ttlMs),
      createdAt: now,
      closedAt: null,
    });
  }

  /**
   * Increments every periodic budget's counter by the estimate, filling `applied` with what was
   * incremented; `refusedAt` is the index of the budget that refused, or -1.
   *
   * When every budget blocks and this process knows each counter of the period, the increments
   * go out as one ordered command and the reservation is written alongside it, as PENDING: one
   * round trip in all. PENDING becomes HELD once the increments are known to have landed (not
   * awaited). A PENDING reservation that expires was maybe never counted, so the sweeper does not
   * subtract it; if it was, `reserved` over-counts (never under-counts) until the counter repair.
   * Otherwise (first request of a period, ALERT_ONLY budgets) one conditional update per budget
   * runs concurrently, creating missing counters, and the caller writes the reservation after.
   */
  private async hold(
    request: ReservationRequest,
    periodic: { budget: BudgetRecord; window: PeriodWindow }[],
    now: Date,
    applied: Applied[],
  ): Promise<{ refusedAt: number; recorded: boolean }> {
    const { Counter, Reservation } = this.options.models;
    const amount = request.estimateNano;
    const keys = periodic.map(({ budget, window }) => `${budget.id}|${window.start.getTime()}`);
    const known = keys.map((k) => this.counterIds.get(k));
    if (periodic.every((p) => p.budget.action === 'BLOCK') && known.every((id) => id !== undefined)) {
      const ids = known as string[];
      const items = periodic.map((p, i): [string, string] => [p.budget.id, ids[i]!]);
      const [incremented, recorded] = await Promise.allSettled([
        reserveOnKnownCounters(Counter, ids, amount, now),
        this.record(request, items, 'PENDING', now),
      ]);
      const outcome = incremented.status === 'fulfilled' ? incremented.value : null;
      if (outcome?.status !== 'applied' && recorded.status === 'fulfilled') {
        // Nothing stays held (or the state is unknown): the record must not count as a hold.
        await Reservation.collection.deleteOne({
          _id: request.requestId as unknown as Types.ObjectId,
          status: 'PENDING',
        });
      }
      if (incremented.status === 'rejected') throw incremented.reason;
      if (outcome!.status !== 'stale') {
        const end = outcome!.status === 'refused' ? outcome!.index : ids.length;
        for (let i = 0; i < end; i += 1)
          applied.push({ budget: periodic[i]!.budget, counterId: ids[i]!, counter: null });
        if (outcome!.status === 'refused') return { refusedAt: outcome!.index, recorded: false };
        if (recorded.status === 'rejected') throw recorded.reason;
        void Reservation.collection
          .updateOne(
            { _id: request.requestId as unknown as Types.ObjectId, status: 'PENDING' },
            { $set: { status: 'HELD' } },
          )
          .catch((err: unknown) =>
            this.options.logger.warn({ err, requestId: request.requestId }, 'reservation stays PENDING'),
          );
        return { refusedAt: -1, recorded: true };
      }
      for (const k of keys) this.counterIds.delete(k); // a counter is gone: look them up again
    }
    // Each conditional increment is atomic on its own; they run concurrently (one round trip).
    const outcomes = await Promise.allSettled(
      periodic.map(({ budget, window }) =>
        reserveOnCounter(
          Counter,
          { budgetId: budget.id, organizationId: budget.organizationId, limitNano: budget.limitNano, window },
          amount,
          budget.action === 'BLOCK',
          now,
          () => this.options.spend?.spentInWindow(budget, window) ?? Promise.resolve(0n),
        ),
      ),
    );
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled' && outcome.value) {
        applied.push({ budget: periodic[i]!.budget, counterId: outcome.value.id, counter: outcome.value });
        if (this.counterIds.size >= 10_000) this.counterIds.clear();
        this.counterIds.set(keys[i]!, outcome.value.id);
      }
    });
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure) throw failure.reason;
    return { refusedAt: outcomes.findIndex((o) => o.status === 'fulfilled' && !o.value), recorded: false };
  }

  /**
   * Records the actual cost of a request. HELD: the estimate is swapped for the actual cost.
   * Already released or expired (the provider failed, or the process looked dead): the spend
   * still happened, so it is added; if the expiry charged the estimate, only the difference.
   * Already settled or unknown: nothing happens.
   */
  async settle(requestId: string, actualNano: bigint): Promise<'SETTLED' | 'LATE' | 'NOOP'> {
    if (actualNano < 0n) throw new AppError('BAD_USER_INPUT', 'An actual cost cannot be negative.');
    const now = this.options.clock.now();
    // PENDING: recorded alongside its increments, which succeeded if the request ran at all.
    const held = await this.options.models.Reservation.findOneAndUpdate(
      { _id: requestId, status: { $in: ['HELD', 'PENDING'] } },
      { $set: { status: 'SETTLED', actualNano, closedAt: now } },
    ).lean();
    if (held) {
      await this.applySpend(held.items, actualNano, true);
      return 'SETTLED';
    }
    const late = await this.options.models.Reservation.findOneAndUpdate(
      { _id: requestId, status: { $in: ['RELEASED', 'EXPIRED'] }, actualNano: null },
      { $set: { actualNano } },
    ).lean();
    if (late) {
      const charged = late.estimated ? actualNano - toNano(late.estimateNano) : actualNano;
      await this.applySpend(late.items, charged, false);
      return 'LATE';
    }
    return 'NOOP';
  }

  /**
   * Shrinks an open hold to `keepNano`, handing the rest back to its budgets at once: a tool step
   * that finished below its worst case, or a stream cut short, keeps only what it consumed until
   * the cost job settles it. Never grows a hold; false when there was nothing to trim (already
   * closed, unknown, or at most `keepNano`). The document changes first and only while it still
   * holds what was read, so a concurrent settle, release or expiry sees either amount, never both.
   */
  async trim(requestId: string, keepNano: bigint): Promise<boolean> {
    if (keepNano < 0n) throw new AppError('BAD_USER_INPUT', 'A hold cannot be trimmed below zero.');
    // Nothing consumed: the hold is released, not kept open at $0 until it expires (and is charged
    // as an estimate). A cost recorded later still settles, late.
    if (keepNano === 0n) return this.release(requestId);
    const { Reservation, Counter } = this.options.models;
    const open = { _id: requestId as unknown as Types.ObjectId, status: { $in: ['HELD', 'PENDING'] } };
    const current = await Reservation.collection.findOne(open, { projection: { estimateNano: 1, items: 1 } });
    if (!current) return false;
    const held = toNano(current.estimateNano);
    if (held <= keepNano) return false;
    const items = (current.items as { budgetId: unknown; counterId: unknown; amountNano: unknown }[]).map(
      (item) => ({ ...item, amountNano: keepNano }),
    );
    const changed = await Reservation.collection.updateOne(
      { ...open, estimateNano: current.estimateNano },
      { $set: { estimateNano: keepNano, items } },
    );
    if (changed.modifiedCount === 0) return false;
    const now = this.options.clock.now();
    for (const item of current.items as { counterId: unknown; amountNano: unknown }[])
      await adjustCounter(
        Counter,
        String(item.counterId),
        { reserved: keepNano - toNano(item.amountNano) },
        now,
      );
    return true;
  }

  /**
   * Grows an open hold by `addNano` on every budget it holds, all or nothing: the next model call
   * of a tool loop holds its own worst case before it is made. BLOCK budgets take the growth only
   * within their headroom; ALERT_ONLY budgets always take it. With `consumed` (what the calls so far
   * actually cost) the hold is first set to that, as a `trim` would, in the same writes: the hold
   * becomes `consumed + addNano`, or just `consumed` when a budget refuses. As in `trim`, the
   * document changes first (one atomic update, which also reads what it held); the counters follow
   * in one ordered command, and a refusal puts both back. `unknown`: no budget applied to the
   * request (nothing to hold); `closed`: the hold was settled, released or expired meanwhile (the
   * caller must not go on).
   */
  async extend(
    requestId: string,
    addNano: bigint,
    options: {
      consumed?: bigint;
      /** The request's budgets if the caller has them (e.g. from a cache); others are read. */
      budgets?: BudgetRecord[];
    } = {},
  ): Promise<ExtendOutcome> {
    const { consumed } = options;
    if (addNano < 0n || (consumed !== undefined && consumed < 0n))
      throw new AppError('BAD_USER_INPUT', 'A hold cannot be extended by, or set to, a negative amount.');
    const { Reservation, Counter } = this.options.models;
    const id = requestId as unknown as Types.ObjectId;
    const grown = consumed === undefined ? null : consumed + addNano;
    const before = await Reservation.collection.findOneAndUpdate(
      { _id: id, status: { $in: ['HELD', 'PENDING'] } },
      grown === null
        ? { $inc: { estimateNano: addNano, 'items.$[].amountNano': addNano } }
        : { $set: { estimateNano: grown, 'items.$[].amountNano': grown } },
      { returnDocument: 'before', projection: { estimateNano: 1, items: 1 } },
    );
    if (!before) {
      const exists = await Reservation.collection.countDocuments({ _id: id }, { limit: 1 });
      return { status: exists > 0 ? 'closed' : 'unknown' };
    }
    const items = before.items as { budgetId: unknown; counterId: unknown; amountNano: unknown }[];
    const held = toNano(before.estimateNano);
    const amounts = items.map((i) => toNano(i.amountNano));
    const targets = amounts.map((a) => grown ?? a + addNano);
    const deltas = targets.map((t, i) => t - amounts[i]!);
    const budgets = await this.budgetsOf(items, options.budgets);
    const now = this.options.clock.now();
    const counterIds = items.map((i) => String(i.counterId));
    // Only enabled BLOCK budgets refuse (a budget deleted or disabled meanwhile no longer does), and
    // only growth; a counter gone with its budget makes the outcome stale.
    const enforce = items.map((item, i) => {
      const budget = budgets.get(String(item.budgetId));
      return deltas[i]! > 0n && !!budget && budget.enabled && budget.action === 'BLOCK';
    });
    const rewrite = async (estimate: bigint, each: bigint[]) => {
      const restored = await Reservation.collection.updateOne(
        { _id: id, estimateNano: grown ?? held + addNano },
        {
          $set: {
            estimateNano: estimate,
            items: items.map((item, i) => ({ ...item, amountNano: each[i] })),
          },
        },
      );
      // Closed meanwhile with the grown amount: the counters over-count until the sweeper repairs them.
      if (restored.modifiedCount === 0)
        this.options.logger.warn({ requestId }, 'could not put back a refused hold extension');
    };
    let outcome: KnownCountersOutcome;
    try {
      outcome = await reserveOnKnownCounters(Counter, counterIds, deltas, now, enforce);
    } catch (error) {
      await rewrite(held, amounts).catch(() => undefined);
      throw unavailable(error);
    }
    if (outcome.status === 'applied') return { status: 'extended' };
    if (outcome.status === 'stale') {
      await rewrite(held, amounts);
      throw unavailable(new Error('a held budget counter no longer exists'));
    }
    // Refused: the hold keeps what was consumed (or what it held). The counters before the refusal
    // took their growth; every counter ends at what the hold keeps.
    const kept = amounts.map((a) => consumed ?? a);
    await rewrite(consumed ?? held, kept);
    for (let i = 0; i < counterIds.length; i += 1) {
      const back = kept[i]! - (i < outcome.index ? targets[i]! : amounts[i]!);
      if (back !== 0n) await adjustCounter(Counter, counterIds[i]!, { reserved: back }, now);
    }
    const refused = items[outcome.index]!;
    const budget = budgets.get(String(refused.budgetId));
    const counter = await Counter.findById(String(refused.counterId)).lean();
    const state = counter ? toCounterState(counter) : null;
    const figures = {
      spentNano: state?.spentNano ?? 0n,
      reservedNano: state?.reservedNano ?? 0n,
      requestedNano: addNano,
      periodStart: state?.periodStart ?? null,
      periodEnd: state?.periodEnd ?? null,
    };
    if (!budget) throw unavailable(new Error('a held budget no longer exists'));
    await this.noteBlocked(budget, figures);
    return { status: 'refused', error: budgetExceeded(budget, figures) };
  }

  /** The budgets of a reservation's items: those the caller passed, the rest read by id. */
  private async budgetsOf(
    items: { budgetId: unknown }[],
    known: BudgetRecord[] | undefined,
  ): Promise<Map<string, BudgetRecord>> {
    const budgets = new Map((known ?? []).map((b) => [b.id, b]));
    const missing = items.map((i) => String(i.budgetId)).filter((b) => !budgets.has(b));
    if (missing.length > 0) for (const [k, b] of await this.options.budgets.byIds(missing)) budgets.set(k, b);
    return budgets;
  }

  /** Drops the hold (provider failure, cancelled request). Idempotent. */
  async release(requestId: string, status: 'RELEASED' | 'EXPIRED' = 'RELEASED'): Promise<boolean> {
    const now = this.options.clock.now();
    const held = await this.options.models.Reservation.findOneAndUpdate(
      { _id: requestId, status: status === 'EXPIRED' ? 'HELD' : { $in: ['HELD', 'PENDING'] } },
      { $set: { status, closedAt: now } },
    ).lean();
    if (!held) return false;
    for (const item of held.items)
      await adjustCounter(
        this.options.models.Counter,
        item.counterId,
        { reserved: -toNano(item.amountNano) },
        now,
      );
    return true;
  }

  /**
   * The hold of a request whose process died, once its estimate is a cost record: HELD becomes
   * EXPIRED and the estimate moves from reserved to spent, as a settle with the estimate would.
   * A real figure arriving later corrects the spend by the difference (see `settle`). Idempotent.
   */
  async expireAsEstimated(requestId: string): Promise<boolean> {
    const held = await this.options.models.Reservation.findOneAndUpdate(
      { _id: requestId, status: 'HELD' },
      { $set: { status: 'EXPIRED', estimated: true, closedAt: this.options.clock.now() } },
    ).lean();
    if (!held) return false;
    await this.applySpend(held.items, toNano(held.estimateNano), true);
    return true;
  }

  /**
   * Applies a cost adjustment (repricing) of a request to the spend of the budgets it was held
   * on, so counters keep equalling the cost records. Once per adjustment id; a request that held
   * nothing (no budget applied) changes nothing.
   */
  async adjust(requestId: string, adjustmentId: string, deltaNano: bigint): Promise<boolean> {
    const doc = await this.options.models.Reservation.findOneAndUpdate(
      { _id: requestId, adjustments: { $ne: adjustmentId } },
      { $push: { adjustments: adjustmentId } },
    ).lean();
    if (!doc) return false;
    if (deltaNano !== 0n) await this.applySpend(doc.items, deltaNano, false);
    return true;
  }

  private async applySpend(
    items: { budgetId: unknown; counterId: unknown; amountNano: unknown }[],
    actualNano: bigint,
    wasHeld: boolean,
  ): Promise<void> {
    const now = this.options.clock.now();
    const budgets = await this.options.budgets.byIds(items.map((i) => String(i.budgetId)));
    for (const item of items) {
      const reserved = wasHeld ? -toNano(item.amountNano) : 0n;
      const counter = await adjustCounter(
        this.options.models.Counter,
        String(item.counterId),
        { reserved, spent: actualNano },
        now,
      );
      const budget = budgets.get(String(item.budgetId));
      if (!counter || !budget || actualNano === 0n) continue;
      try {
        await this.options.alerts.onSpendChanged(budget, counter, counter.spentNano - actualNano);
      } catch (error) {
        // Missed alerts are caught up by the sweeper; the spend is already counted.
        this.options.logger.warn({ err: error, budgetId: budget.id }, 'could not raise budget alerts');
      }
    }
  }
}

function unavailable(cause: unknown): AppError {
  return new AppError(
    'BUDGET_CHECK_UNAVAILABLE',
    'Budgets could not be checked because the budget store is unreachable; the request was not sent. Retry shortly.',
    { cause },
  );
}

export { unavailable as budgetCheckUnavailable };

/** The 402 a blocked request receives: the figures, and what would let it through. */
export function budgetExceeded(
  budget: BudgetRecord,
  figures: { spentNano: bigint; reservedNano: bigint; requestedNano: bigint; periodEnd: Date | null },
): AppError {
  const { spentNano, reservedNano, requestedNano } = figures;
  const remaining = budget.limitNano - spentNano - reservedNano;
  const name = budget.name ? `"${budget.name}"` : budget.id;
  const what =
    budget.period === 'PER_REQUEST'
      ? `This request may cost up to $${formatUsd(requestedNano)}, over the per-request limit of $${formatUsd(budget.limitNano)} of ${budget.scope} budget ${name}.`
      : `This request may cost up to $${formatUsd(requestedNano)}, but ${budget.scope} budget ${name} (${budget.period}) has $${formatUsd(remaining > 0n ? remaining : 0n)} left of $${formatUsd(budget.limitNano)} ($${formatUsd(spentNano)} spent, $${formatUsd(reservedNano)} reserved by requests in flight).`;
  const fixes = [
    `lower maxOutputTokens or shorten the input so the worst case fits in $${formatUsd(remaining > 0n ? remaining : 0n)}`,
    `raise the limit to at least $${formatUsd(spentNano + reservedNano + requestedNano)}`,
  ];
  if (budget.period !== 'PER_REQUEST' && figures.periodEnd)
    fixes.push(`wait for the period to reset at ${figures.periodEnd.toISOString()}`);
  if (reservedNano > 0n && budget.period !== 'PER_REQUEST')
    fixes.push('retry once in-flight requests finish');
  return new AppError('BUDGET_EXCEEDED', `${what} To proceed: ${fixes.join(', or ')}.`, {
    details: {
      budgetId: budget.id,
      scope: budget.scope,
      period: budget.period,
      limit: formatUsd(budget.limitNano),
      spent: formatUsd(spentNano),
      reserved: formatUsd(reservedNano),
      requested: formatUsd(requestedNano),
    },
  });
}
