/**
 * Builds the MonitoringService from the process configuration, or nothing when
 * MONITORING_ENABLED=false. Attaching it to agenda and the driver, and starting its
 * tick, is the runtime's job (`attachMonitoring`).
 */
import type { Agenda } from 'agenda';
import type { MongoClient } from 'mongodb';
import type { ServiceDeps } from '../app/services';
import { MonitoringService } from './monitoring-service';
import { thresholdsFromConfig } from './thresholds';

export function createMonitoring(deps: ServiceDeps): MonitoringService | undefined {
  const { config } = deps;
  if (!config.MONITORING_ENABLED) return undefined;
  return new MonitoringService({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'monitoring' }),
    events: deps.events,
    pubsub: deps.pubsub,
    thresholds: thresholdsFromConfig(config),
    retentionMs: config.PERF_RETENTION_DAYS * 86_400_000,
    bucketMs: config.PERF_BUCKET_MS,
    slowResolverMs: config.PERF_SLOW_RESOLVER_MS,
    processMetrics: config.NODE_ENV !== 'test',
    platformAdminOrgIds: config.PLATFORM_ADMIN_ORG_IDS,
    openMetricsWithoutToken: config.NODE_ENV !== 'production',
  });
}

/** Hooks the service to this process's job queue and database client and starts its tick. */
export async function attachMonitoring(
  monitoring: MonitoringService | undefined,
  targets: { agenda: Agenda; client: MongoClient; tickMs?: number },
): Promise<void> {
  if (!monitoring) return;
  monitoring.observeAgenda(targets.agenda);
  monitoring.observeMongoClient(targets.client);
  await monitoring.ensureIndexes();
  monitoring.start(targets.tickMs);
}
