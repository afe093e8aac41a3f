/**
 * useMetrics: serves `GET /metrics` in Prometheus text format from the monitoring
 * instruments, optionally behind a bearer token (compared in constant time). When the
 * metrics are served on an internal port instead, this plugin is not installed.
 */
import type { Plugin } from 'graphql-yoga';
import { metricsResponse } from '../monitoring/metrics-http';
import type { Instruments } from '../monitoring/instruments';

export interface MetricsPluginOptions {
  instruments: Instruments;
  endpoint?: string;
  /** When set, requests must send `Authorization: Bearer <token>`. */
  token?: string;
  /** Refreshes sampled gauges (queue backlog) before each scrape. */
  beforeScrape?: () => Promise<void>;
}

export function useMetrics({
  instruments,
  endpoint = '/metrics',
  token,
  beforeScrape,
}: MetricsPluginOptions): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      const result = await metricsResponse(
        { method: request.method, authorization: request.headers.get('authorization') },
        { instruments, token, beforeScrape },
      );
      endResponse(new fetchAPI.Response(result.body, { status: result.status, headers: result.headers }));
    },
  };
}
