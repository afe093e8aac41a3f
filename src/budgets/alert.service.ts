/**
 * Budget alerts: raising them exactly once (a unique `dedupeKey` per budget/period/threshold,
 * per budget/minute for EXCEEDED, per budget/period for FORECAST), storing them, handing each
 * new one to the publishers (pubsub, domain events, webhooks), reading and acknowledging them.
 */
import { formatUsd } from '../shared/money';
import { AppError } from '../shared/errors';
import type { Clock } from '../shared/clock';
import { crossedThresholds, overshootingForecast, reachedThresholds, thresholdSeverity } from './alert-rules';
import { toNano, type BudgetRecord } from './budget-record';
import type { CounterState } from './counters';
import type { BudgetModels } from './models';
import type { AlertKind, AlertSeverity } from './models/budget-alert.model';
import type { BudgetPeriod } from './period';
import type { BudgetScope } from './budget-input';
import { BudgetForecaster } from './forecast/spend-forecast';

export interface BudgetAlert {
  id: string;
  organizationId: string;
  budgetId: string;
  scope: BudgetScope;
  scopeId: string;
  period: BudgetPeriod;
  kind: AlertKind;
  threshold: number | null;
  severity: AlertSeverity;
  spentNano: bigint;
  limitNano: bigint;
  requestedNano: bigint | null;
  projectedNano: bigint | null;
  periodStart: Date | null;
  periodEnd: Date | null;
  message: string;
  createdAt: Date;
  acknowledgedAt: Date | null;
}

/** Receives every newly raised alert exactly once (per process that raised it). */
export interface AlertPublisher {
  publish(alert: BudgetAlert, budget: BudgetRecord): Promise<void> | void;
}

export interface AlertFilter {
  organizationId: string;
  budgetIds?: string[];
  kinds?: AlertKind[];
  unacknowledgedOnly?: boolean;
  limit?: number;
}

const EXCEEDED_WINDOW_MS = 60_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- lean documents are untyped at this boundary
export function toBudgetAlert(doc: any): BudgetAlert {
  return {
    id: String(doc._id),
    organizationId: doc.organizationId,
    budgetId: String(doc.budgetId),
    scope: doc.scope,
    scopeId: doc.scopeId,
    period: doc.period,
    kind: doc.kind,
    threshold: doc.threshold ?? null,
    severity: doc.severity,
    spentNano: toNano(doc.spentNano),
    limitNano: toNano(doc.limitNano),
    requestedNano: doc.requestedNano == null ? null : toNano(doc.requestedNano),
    projectedNano: doc.projectedNano == null ? null : toNano(doc.projectedNano),
    periodStart: doc.periodStart ?? null,
    periodEnd: doc.periodEnd ?? null,
    message: doc.message,
    createdAt: doc.createdAt,
    acknowledgedAt: doc.acknowledgedAt ?? null,
  };
}

function label(budget: BudgetRecord): string {
  return `${budget.name ? `"${budget.name}"` : `Budget ${budget.id}`} (${budget.scope} ${budget.scopeId}, ${budget.period})`;
}

export class AlertService {
  constructor(
    private readonly models: BudgetModels,
    private readonly clock: Clock,
    private readonly publishers: AlertPublisher[] = [],
    /** Projects end-of-period spend (analytics forecast with enough history, else linear). */
    private readonly forecaster: BudgetForecaster = new BudgetForecaster(),
  ) {}

  /** Settled spend on a counter moved from `before` to `counter.spentNano`: thresholds and forecast. */
  async onSpendChanged(budget: BudgetRecord, counter: CounterState, before: bigint): Promise<BudgetAlert[]> {
    const crossed = crossedThresholds(budget.thresholds, counter.limitNano, before, counter.spentNano);
    return this.raiseForCounter(budget, counter, crossed);
  }

  /** Raises any threshold the counter has reached but whose alert is missing (sweeper catch-up). */
  async catchUp(budget: BudgetRecord, counter: CounterState): Promise<BudgetAlert[]> {
    return this.raiseForCounter(
      budget,
      counter,
      reachedThresholds(budget.thresholds, counter.limitNano, counter.spentNano),
    );
  }

  private async raiseForCounter(budget: BudgetRecord, counter: CounterState, thresholds: number[]) {
    const raised: BudgetAlert[] = [];
    const periodKey = counter.periodStart.toISOString();
    for (const threshold of thresholds) {
      const alert = await this.raise(budget, {
        kind: 'THRESHOLD',
        threshold,
        severity: thresholdSeverity(threshold),
        spentNano: counter.spentNano,
        limitNano: counter.limitNano,
        periodStart: counter.periodStart,
        periodEnd: counter.periodEnd,
        dedupeKey: `${budget.id}:${periodKey}:threshold:${threshold}`,
        message: `${label(budget)} reached ${threshold}% of its limit: $${formatUsd(counter.spentNano)} of $${formatUsd(counter.limitNano)} spent.`,
      });
      if (alert) raised.push(alert);
    }
    const window = { start: counter.periodStart, end: counter.periodEnd };
    const now = this.clock.now();
    const worthProjecting = window.end && counter.spentNano > 0n && counter.spentNano < counter.limitNano;
    const projection = worthProjecting
      ? await this.forecaster.project(budget, counter.spentNano, window, now)
      : null;
    const projected = overshootingForecast(counter.spentNano, counter.limitNano, window, now, projection);
    if (projected !== null) {
      const alert = await this.raise(budget, {
        kind: 'FORECAST',
        severity: 'WARNING',
        spentNano: counter.spentNano,
        limitNano: counter.limitNano,
        projectedNano: projected,
        periodStart: counter.periodStart,
        periodEnd: counter.periodEnd,
        dedupeKey: `${budget.id}:${periodKey}:forecast`,
        message: `${label(budget)} is on track to spend $${formatUsd(projected)} by ${counter.periodEnd?.toISOString()}, over its $${formatUsd(counter.limitNano)} limit (${projection?.method === 'LINEAR_PERIOD' ? 'the period so far, extrapolated' : 'forecast from its daily spend history'}).`,
      });
      if (alert) raised.push(alert);
    }
    return raised;
  }

  /** A request was blocked by this budget; raised at most once per budget per minute. */
  async onBlocked(
    budget: BudgetRecord,
    figures: {
      spentNano: bigint;
      reservedNano: bigint;
      requestedNano: bigint;
      periodStart: Date | null;
      periodEnd: Date | null;
    },
  ): Promise<BudgetAlert | null> {
    const minute = Math.floor(this.clock.now().getTime() / EXCEEDED_WINDOW_MS);
    return this.raise(budget, {
      kind: 'EXCEEDED',
      severity: 'CRITICAL',
      spentNano: figures.spentNano,
      limitNano: budget.limitNano,
      requestedNano: figures.requestedNano,
      periodStart: figures.periodStart,
      periodEnd: figures.periodEnd,
      dedupeKey: `${budget.id}:exceeded:${minute}`,
      message: `${label(budget)} blocked a request needing up to $${formatUsd(figures.requestedNano)}: $${formatUsd(figures.spentNano)} spent and $${formatUsd(figures.reservedNano)} reserved of $${formatUsd(budget.limitNano)}.`,
    });
  }

  private async raise(
    budget: BudgetRecord,
    fields: {
      kind: AlertKind;
      threshold?: number;
      severity: AlertSeverity;
      spentNano: bigint;
      limitNano: bigint;
      requestedNano?: bigint;
      projectedNano?: bigint;
      periodStart: Date | null;
      periodEnd: Date | null;
      dedupeKey: string;
      message: string;
    },
  ): Promise<BudgetAlert | null> {
    let doc;
    try {
      doc = await this.models.Alert.create({
        organizationId: budget.organizationId,
        budgetId: budget.id,
        scope: budget.scope,
        scopeId: budget.scopeId,
        period: budget.period,
        threshold: null,
        requestedNano: null,
        projectedNano: null,
        ...fields,
        createdAt: this.clock.now(),
      });
    } catch (error) {
      if ((error as { code?: number }).code === 11000) return null; // already raised: exactly once
      throw error;
    }
    const alert = toBudgetAlert(doc.toObject());
    for (const publisher of this.publishers) await publisher.publish(alert, budget);
    return alert;
  }

  async list(filter: AlertFilter): Promise<BudgetAlert[]> {
    const query: Record<string, unknown> = { organizationId: filter.organizationId };
    if (filter.budgetIds) query.budgetId = { $in: filter.budgetIds };
    if (filter.kinds) query.kind = { $in: filter.kinds };
    if (filter.unacknowledgedOnly) query.acknowledgedAt = null;
    const docs = await this.models.Alert.find(query)
      .sort({ createdAt: -1, _id: -1 })
      .limit(Math.min(Math.max(filter.limit ?? 50, 1), 500))
      .lean();
    return docs.map(toBudgetAlert);
  }

  async get(alertId: string): Promise<BudgetAlert> {
    const doc = isObjectId(alertId) ? await this.models.Alert.findById(alertId).lean() : null;
    if (!doc) throw new AppError('NOT_FOUND', `Budget alert ${alertId} does not exist.`);
    return toBudgetAlert(doc);
  }

  /** Idempotent: acknowledging twice keeps the first acknowledgement time. */
  async acknowledge(alertId: string, by: string | null): Promise<BudgetAlert> {
    const existing = await this.get(alertId);
    if (existing.acknowledgedAt) return existing;
    const doc = await this.models.Alert.findOneAndUpdate(
      { _id: alertId, acknowledgedAt: null },
      { $set: { acknowledgedAt: this.clock.now(), acknowledgedBy: by } },
      { returnDocument: 'after' },
    ).lean();
    return doc ? toBudgetAlert(doc) : this.get(alertId);
  }
}

export function isObjectId(id: string): boolean {
  return /^[0-9a-f]{24}$/i.test(id);
}
