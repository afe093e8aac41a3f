/** Starts `/metrics` on METRICS_PORT (bound to METRICS_HOST) when both monitoring and the port are configured. */
import type { Config } from '../config/env';
import { startMetricsServer, type MetricsServer } from './metrics-http';
import type { MonitoringService } from './monitoring-service';

export async function startMetricsServerIfConfigured(
  config: Pick<Config, 'METRICS_PORT' | 'METRICS_HOST' | 'METRICS_TOKEN'>,
  monitoring: MonitoringService | undefined,
): Promise<MetricsServer | undefined> {
  if (!monitoring || config.METRICS_PORT === undefined) return undefined;
  return startMetricsServer({
    instruments: monitoring.instruments,
    token: config.METRICS_TOKEN,
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    beforeScrape: async () => void (await monitoring.refreshQueueState()),
  });
}
