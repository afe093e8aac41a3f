/**
 * Wires the analytics services over one database connection, for the CLI and the benchmark:
 * the same services the server uses, on the same database chain (MONGODB_URI, memory server or
 * embedded, see `src/db/chain.ts`).
 */
import { MongoClient, type Db } from 'mongodb';
import { startDatabase, type DatabaseHandle } from '../db/chain';
import { MongoCostRecordStore } from '../costs/mongo-cost-stores';
import { MongoPriceOverrideStore } from '../pricing/mongo-price-override-store';
import { PricingService } from '../pricing/pricing-service';
import { systemClock, type Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { ReportService } from './reports/report-service';
import { MongoAnalyticsSources } from './rollups/analytics-sources';
import { RollupService } from './rollups/rollup-service';
import { RecommendationService, type ExtraInputs } from './recommendations/recommendation-service';
import type { ExportJobService } from './exports/export-jobs';
import type { ScheduleDoc, ScheduledReportService } from './exports/scheduled-reports';

export interface AnalyticsServices {
  db: Db;
  rollups: RollupService;
  reports: ReportService;
  records: MongoCostRecordStore;
  sources: MongoAnalyticsSources;
  recommendations: RecommendationService;
  /** Set where exports are configured (a signing secret and a directory): the service and how to queue its job. */
  exports?: { service: ExportJobService; enqueue(exportId: string): Promise<void> };
  /** Set where scheduled reports are configured: the service and how to register its recurring job. */
  schedules?: { service: ScheduledReportService; register(schedule: ScheduleDoc): Promise<void> };
}

export function createAnalyticsServices(
  db: Db,
  clock: Clock = systemClock,
  /** Inputs kept by other features (budget periods) for the recommendation rules. */
  extraInputs?: ExtraInputs,
): AnalyticsServices {
  const sources = new MongoAnalyticsSources(db);
  const rollups = new RollupService(db, sources, clock);
  const records = new MongoCostRecordStore(db);
  return {
    db,
    rollups,
    reports: new ReportService(rollups.store, records),
    records,
    sources,
    recommendations: new RecommendationService(db, rollups.store, clock, {
      // The organisation's own prices win over the catalog, as for billing.
      prices: new PricingService(new MongoPriceOverrideStore(db), undefined, () => clock.now()),
      extraInputs,
    }),
  };
}

export async function openAnalytics(
  options: { logger?: Logger; handle?: DatabaseHandle } = {},
): Promise<AnalyticsServices & { close(): Promise<void> }> {
  const handle = options.handle ?? (await startDatabase({ logger: options.logger }));
  const client = await MongoClient.connect(handle.uri);
  const services = createAnalyticsServices(client.db(handle.dbName));
  await services.rollups.ensureIndexes();
  await services.sources.ensureIndexes();
  return {
    ...services,
    async close() {
      await client.close();
      if (!options.handle) await handle.stop();
    },
  };
}
