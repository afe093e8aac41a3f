/**
 * Threshold detection: compares each series' p95 over the window with its threshold
 * and each job's backlog trend with the growth rule. A crossing claims the cooldown
 * for (metric, subject) — only the winner continues — then is stored, dispatched as
 * `PerformanceThresholdExceeded` on the event bus and published for the
 * `performanceAlerts` subscription.
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

export interface DetectorDeps {
  instruments: Instruments;
  thresholds: Thresholds;
  alerts: AlertStore;
  backlog: BacklogTrend;
  events: EventBus;
  pubsub: AppPubSub;
  logger: Logger;
}

export class ThresholdDetector {
  constructor(private readonly deps: DetectorDeps) {}

  /** Evaluates the current window; resolves with the alerts that fired now. */
  async evaluate(): Promise<PerformanceAlert[]> {
    const { instruments, thresholds } = this.deps;
    const now = instruments.clock.now();
    const candidates: Omit<PerformanceAlert, 'id' | 'firedAt' | 'severity' | 'organizationId'>[] = [];
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
      const key = `${c.metric}|${c.subject}`;
      if (!(await this.deps.alerts.claimCooldown(key, now, thresholds.cooldownMs))) continue;
      const alert: PerformanceAlert = {
        ...c,
        id: randomUUID(),
        severity: severityOf(c.value, c.threshold),
        organizationId: null,
        firedAt: now,
      };
      await this.deps.alerts.save(alert);
      await this.deliver(alert);
      fired.push(alert);
    }
    return fired;
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
            windowMs: alert.windowMs,
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
