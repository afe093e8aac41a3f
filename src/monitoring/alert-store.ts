/**
 * Stored performance alerts and their cooldowns. A cooldown is one document per
 * (metric, subject) claimed with a conditional upsert, so several processes evaluating
 * the same window fire one alert between them. Alerts expire with the retention (TTL).
 */
import type { Collection, Db } from 'mongodb';
import type { Component } from './components';
import type { Severity } from './thresholds';

export interface PerformanceAlert {
  id: string;
  metric: Component | 'queue_backlog_growing';
  subject: string;
  severity: Severity;
  /**
   * The observed value: p95 in ms over the window, one call's duration for a single-call
   * alert (sampleCount 1, windowMs 0), or the backlog for queue_backlog_growing.
   */
  value: number;
  threshold: number;
  sampleCount: number;
  /** The window the p95 was taken over; 0 for a single-call alert. */
  windowMs: number;
  organizationId: string | null;
  firedAt: Date;
}

interface AlertDoc extends Omit<PerformanceAlert, 'id'> {
  _id: string;
  expiresAt: Date;
}

interface CooldownDoc {
  _id: string;
  until: Date;
}

export class AlertStore {
  private readonly alerts: Collection<AlertDoc>;
  private readonly cooldowns: Collection<CooldownDoc>;

  constructor(
    db: Db,
    private readonly retentionMs: number,
  ) {
    this.alerts = db.collection<AlertDoc>('performance_alerts');
    this.cooldowns = db.collection<CooldownDoc>('performance_alert_cooldowns');
  }

  async ensureIndexes(): Promise<void> {
    await this.alerts.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    await this.alerts.createIndex({ firedAt: -1 });
    await this.cooldowns.createIndex({ until: 1 }, { expireAfterSeconds: 0 });
  }

  /** True when this caller won the right to alert on `key` until now + cooldownMs. */
  async claimCooldown(key: string, now: Date, cooldownMs: number): Promise<boolean> {
    try {
      await this.cooldowns.updateOne(
        { _id: key, until: { $lte: now } },
        { $set: { until: new Date(now.getTime() + cooldownMs) } },
        { upsert: true },
      );
      return true;
    } catch (error) {
      // The key exists and its cooldown has not ended: the upsert collided with it.
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  async save(alert: PerformanceAlert): Promise<void> {
    const { id, ...rest } = alert;
    await this.alerts.insertOne({
      _id: id,
      ...rest,
      expiresAt: new Date(alert.firedAt.getTime() + this.retentionMs),
    });
  }

  async recent(limit: number, since?: Date): Promise<PerformanceAlert[]> {
    const docs = await this.alerts
      .find(since ? { firedAt: { $gte: since } } : {})
      .sort({ firedAt: -1 })
      .limit(limit)
      .toArray();
    return docs.map(({ _id, expiresAt: _expires, ...rest }) => ({ id: _id, ...rest }));
  }
}
