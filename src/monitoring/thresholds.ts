/**
 * Threshold configuration: which component's p95 is compared with which limit, and
 * how far over a value must be for each severity. Read from the zod env config.
 */
import type { Config } from '../config/env';
import type { Component } from './components';

export type Severity = 'WARNING' | 'HIGH' | 'CRITICAL';

export interface Thresholds {
  /** p95 limit in ms per component; components not listed are never alerted on. */
  p95Ms: Partial<Record<Component, number>>;
  /** Minutes a job's backlog must have grown at every reading before it alerts. */
  backlogGrowingMinutes: number;
  windowMs: number;
  cooldownMs: number;
}

export const defaultThresholds: Thresholds = {
  p95Ms: {
    event_dispatch: 100,
    listener: 50,
    job_run: 500,
    plugin_hook: 10,
    mcp_call: 500,
    budget_check: 10,
    provider_latency: 30_000,
  },
  backlogGrowingMinutes: 10,
  windowMs: 300_000,
  cooldownMs: 900_000,
};

export function thresholdsFromConfig(config: Config): Thresholds {
  return {
    p95Ms: {
      event_dispatch: config.PERF_THRESHOLD_EVENT_MS,
      listener: config.PERF_THRESHOLD_LISTENER_MS,
      job_run: config.PERF_THRESHOLD_JOB_MS,
      plugin_hook: config.PERF_THRESHOLD_MIDDLEWARE_MS,
      mcp_call: config.PERF_THRESHOLD_MCP_CALL_MS,
      budget_check: config.PERF_THRESHOLD_BUDGET_CHECK_MS,
      provider_latency: config.PERF_THRESHOLD_PROVIDER_MS,
    },
    backlogGrowingMinutes: config.PERF_BACKLOG_GROWING_MINUTES,
    windowMs: config.PERF_WINDOW_MS,
    cooldownMs: config.PERF_ALERT_COOLDOWN_MS,
  };
}

/** Up to 2x over is a warning, up to 4x high, beyond that critical. */
export function severityOf(value: number, threshold: number): Severity {
  const ratio = threshold > 0 ? value / threshold : Infinity;
  if (ratio >= 4) return 'CRITICAL';
  if (ratio >= 2) return 'HIGH';
  return 'WARNING';
}
