/**
 * Threshold detection: compares each series' p95 over the window with its threshold
 * and each job's backlog trend with the growth rule. A crossing claims the cooldown
 * for (metric, subject) — only the winner continues — then is stored, dispatched as
 * `PerformanceThresholdExceeded` on the event bus and published for the
 * `performanceAlerts` subscription. `raiseNow` sends a single observation (one slow MCP
 * call) through the same cooldown, so per-call and per-window alerts are one stream: at
 * most one alert per (metric, subject) per cooldown, whichever path sees it first.
 */
import { randomUUID } from 'node:crypto';
import { createEvent } from '../events/event';
import type { EventBus } from '../events/bus';
import type { AppPubSub } from '../pubsub/pubsub';
import type { Logger } from '../shared/logger';
import type { AlertStore, PerformanceAlert } from './alert-store';
import type { BacklogTrend } from './backlog-trend';
import type { Instruments } from './instruments';
import { severityOf, type Thresholds } from './thresholds';

/** Alerts are platform-wide; they are published on this pubsub key. */
export const systemAlertChannel = 'system';

/** What crossed which threshold; the detector adds id, severity and time. */
export type AlertCandidate = Omit<PerformanceAlert, 'id' | 'firedAt' | 'severity' | 'organizationId'>;

export interface DetectorDeps {
  instruments: Instruments;
  thresholds: Thresholds;
  alerts: AlertStore;
  backlog: BacklogTrend;
  events: EventBus;
  pubsub: AppPubSub;
  logger: Logger;
}

/** After losing a cooldown claim to another process, ask the database again after this long. */
const RECHECK_FOREIGN_COOLDOWN_MS = 60_000;

export class ThresholdDetector {
  /**
   * Cooldowns this process knows are running (key -> until, ms). A burst of slow calls would
   * otherwise cost one failed claim round trip per call.
   */
  private readonly knownCooldowns = new Map<string, number>();

  constructor(private readonly deps: DetectorDeps) {}

  /** Evaluates the current window; resolves with the alerts that fired now. */
  async evaluate(): Promise<PerformanceAlert[]> {
    const { instruments, thresholds } = this.deps;
    const now = instruments.clock.now();
    for (const [key, until] of this.knownCooldowns)
      if (until <= now.getTime()) this.knownCooldowns.delete(key);
    const candidates: AlertCandidate[] = [];
    for (const series of instruments.stats(thresholds.windowMs)) {
      const limit = thresholds.p95Ms[series.component];
      if (limit === undefined || series.p95Ms <= limit) continue;
      candidates.push({
        metric: series.component,
        subject: series.subject,
        value: round(series.p95Ms),
        threshold: limit,
        sampleCount: series.count,
        windowMs: thresholds.windowMs,
      });
    }
    for (const g of this.deps.backlog.growing()) {
      candidates.push({
        metric: 'queue_backlog_growing',
        subject: g.job,
        value: g.to,
        threshold: Math.max(1, g.from),
        sampleCount: g.to,
        windowMs: g.sinceMs,
      });
    }
    const fired: PerformanceAlert[] = [];
    for (const c of candidates) {
      const alert = await this.fire(c, now);
      if (alert) fired.push(alert);
    }
    return fired;
  }

  /**
   * One observation over its threshold (a single slow call), alerted at once unless an
   * alert on the same (metric, subject) is inside its cooldown. Resolves with the alert,
   * or undefined when it was deduplicated.
   */
  raiseNow(candidate: AlertCandidate): Promise<PerformanceAlert | undefined> {
    return this.fire(candidate, this.deps.instruments.clock.now());
  }

  private async fire(c: AlertCandidate, now: Date): Promise<PerformanceAlert | undefined> {
    const key = `${c.metric}|${c.subject}`;
    const at = now.getTime();
    if ((this.knownCooldowns.get(key) ?? 0) > at) return undefined;
    const { cooldownMs } = this.deps.thresholds;
    // Held until the claim settles, so concurrent calls for one key make one round trip.
    this.knownCooldowns.set(key, at + cooldownMs);
    let won: boolean;
    try {
      won = await this.deps.alerts.claimCooldown(key, now, cooldownMs);
    } catch (error) {
      this.knownCooldowns.delete(key);
      throw error;
    }
    if (!won) {
      this.knownCooldowns.set(key, at + Math.min(cooldownMs, RECHECK_FOREIGN_COOLDOWN_MS));
      return undefined;
    }
    const alert: PerformanceAlert = {
      ...c,
      id: randomUUID(),
      severity: severityOf(c.value, c.threshold),
      // Monitoring data span every tenant: alerts belong to the platform, not one organisation.
      organizationId: null,
      firedAt: now,
    };
    await this.deps.alerts.save(alert);
    await this.deliver(alert);
    return alert;
  }

  private async deliver(alert: PerformanceAlert): Promise<void> {
    this.deps.pubsub.publish('performanceAlert', systemAlertChannel, alert);
    try {
      await this.deps.events.dispatch(
        createEvent(
          'PerformanceThresholdExceeded',
          {
            organizationId: alert.organizationId,
            metric: alert.metric,
            value: alert.value,
            threshold: alert.threshold,
            subject: alert.subject,
            severity: alert.severity,
            // A single-call alert has no window (0); the event field is then absent.
            windowMs: alert.windowMs > 0 ? alert.windowMs : undefined,
          },
          { id: alert.id, occurredAt: alert.firedAt },
        ),
      );
    } catch (error) {
      // The alert is stored and streamed already; a failed listener must not lose it.
      this.deps.logger.error({ err: error, alert: alert.id }, 'PerformanceThresholdExceeded dispatch failed');
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

declare module '../pubsub/channels' {
  interface PubSubChannels {
    /** Performance threshold alerts, published on the `system` key. */
    performanceAlert: PerformanceAlert;
  }
}
