/**
 * Forecast alerts reach webhooks by a scan, not an event: the budget feature stores them
 * (`budget_alerts`, kind FORECAST) but dispatches no domain event for them. A recurring
 * job reads the alerts created since its watermark and fans them out. Stored alerts are
 * durable, so none is missed across restarts; the scan re-reads a margin behind the
 * watermark (alerts written late by another process) and fan-out's unique index makes
 * the re-reads free of duplicates.
 */
import type { Collection, Db } from 'mongodb';
import type { Clock } from '../shared/clock';
import type { StoredForecastAlert, WebhookEventRouter } from './event-router';

/** Reads stored forecast alerts, oldest first (supplied by the composition root). */
export type ForecastAlertSource = (since: Date, limit: number) => Promise<StoredForecastAlert[]>;

interface ScanState {
  _id: string;
  watermark: Date;
}

const STATE_ID = 'forecast-scan';
export const SCAN_OVERLAP_MS = 10 * 60_000;
const BATCH = 500;

export class ForecastScanner {
  private readonly state: Collection<ScanState>;

  constructor(
    private readonly deps: {
      db: Db;
      clock: Clock;
      source: ForecastAlertSource;
      router: Pick<WebhookEventRouter, 'forecast'>;
    },
  ) {
    this.state = deps.db.collection<ScanState>('webhook_state');
  }

  /** Fans out every forecast alert since the last scan; returns how many alerts it read. */
  async scan(): Promise<number> {
    const now = this.deps.clock.now();
    const saved = await this.state.findOne({ _id: STATE_ID });
    // The first scan starts a margin back rather than replaying every forecast ever raised.
    let since = new Date((saved?.watermark ?? now).getTime() - SCAN_OVERLAP_MS);
    let read = 0;
    for (;;) {
      const alerts = await this.deps.source(since, BATCH);
      for (const alert of alerts) await this.deps.router.forecast(alert);
      read += alerts.length;
      const last = alerts.at(-1);
      if (alerts.length < BATCH || !last || last.createdAt.getTime() === since.getTime()) break;
      since = last.createdAt;
    }
    await this.state.updateOne({ _id: STATE_ID }, { $set: { watermark: now } }, { upsert: true });
    return read;
  }
}
