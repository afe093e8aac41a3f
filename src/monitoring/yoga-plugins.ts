/**
 * The Yoga side of monitoring, assembled in one call for `createAppYoga`: the
 * `/metrics` endpoint (unless it is served on its own port), operation and
 * slow-resolver timing, and hook timing of the named plugins. Without monitoring the
 * named plugins are returned unchanged.
 *
 * In production `/metrics` is not served on the API port without METRICS_TOKEN: its
 * labels name every tenant's operations, and that port is public.
 */
import type { Plugin } from 'graphql-yoga';
import { useMetrics } from '../server/use-metrics';
import { useOperationTiming } from '../server/use-operation-timing';
import type { MonitoringService } from './monitoring-service';
import { timePlugins } from './plugin-timing';

export interface MetricsEndpointOptions {
  /** False when /metrics is on METRICS_PORT instead of the API port. */
  onApiPort: boolean;
  token?: string;
}

// Yoga's plugin types are invariant in their context; the list mixes plugins written for
// different contexts, exactly as createYoga's own `plugins` option accepts them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyPlugin = Plugin<any>;

export function monitoredPlugins(
  monitoring: MonitoringService | undefined,
  metrics: MetricsEndpointOptions,
  named: Record<string, AnyPlugin>,
): AnyPlugin[] {
  if (!monitoring) return Object.values(named);
  const { instruments } = monitoring;
  const serveMetrics = metrics.onApiPort && (!!metrics.token || monitoring.openMetricsWithoutToken);
  if (metrics.onApiPort && !serveMetrics) {
    monitoring.logger.warn(
      '/metrics is off on the API port: set METRICS_TOKEN, or METRICS_PORT to serve it on an internal interface',
    );
  }
  const own: AnyPlugin[] = [
    ...(serveMetrics
      ? [
          useMetrics({
            instruments,
            token: metrics.token,
            beforeScrape: async () => void (await monitoring.refreshQueueState()),
          }),
        ]
      : []),
    useOperationTiming({ instruments, slowResolverMs: monitoring.slowResolverMs }),
  ];
  return [...own, ...timePlugins(named, { instruments })];
}
