/**
 * The instruments API every hook records through. Each sample goes to two places:
 * a prom-client histogram (and an error counter by code) for `GET /metrics`, and the
 * in-memory sample window that threshold detection, persistence and the `performance`
 * query read percentiles from. Durations are measured with `timer` (a monotonic ms
 * clock, injectable so tests can make a listener "slow" without sleeping); windows use
 * the injectable `Clock`.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../shared/clock';
import type { Component } from './components';
import { SampleWindow, type SeriesStats } from './sample-window';

export type Timer = () => number;

export interface InstrumentsOptions {
  clock: Clock;
  timer?: Timer;
  /** How long raw samples are kept in memory (the longest query or detection window). */
  retainMs?: number;
  /** Adds the process metrics (CPU, heap, event loop lag) to /metrics. */
  processMetrics?: boolean;
}

export interface QueueState {
  job: string;
  backlog: number;
  running: number;
  failed: number;
  oldestPendingAgeMs: number;
}

// Buckets from 1 ms to 30 s: middleware lives at the low end, providers at the high end.
const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Instruments {
  readonly registry = new Registry();
  readonly clock: Clock;
  readonly timer: Timer;
  private readonly window: SampleWindow;
  private readonly duration: Histogram<'component' | 'subject'>;
  private readonly errorCount: Counter<'component' | 'subject' | 'code'>;
  private readonly retries: Counter<'job'>;
  private readonly backlog: Gauge<'job'>;
  private readonly oldestPending: Gauge<'job'>;
  private readonly running: Gauge<'job'>;
  private readonly retryCounts = new Map<string, number>();
  private queue: QueueState[] = [];
  private queueReadAt?: Date;

  constructor(options: InstrumentsOptions) {
    this.clock = options.clock;
    this.timer = options.timer ?? (() => performance.now());
    this.window = new SampleWindow(options.retainMs ?? 60 * 60_000);
    this.duration = new Histogram({
      name: 'app_operation_duration_seconds',
      help: 'Duration of instrumented work by component (graphql_operation, plugin_hook, listener, job_run, mcp_call, provider_latency, db_command, ...) and subject',
      labelNames: ['component', 'subject'],
      buckets,
      registers: [this.registry],
    });
    this.errorCount = new Counter({
      name: 'app_operation_errors_total',
      help: 'Failed instrumented work by component, subject and stable error code',
      labelNames: ['component', 'subject', 'code'],
      registers: [this.registry],
    });
    this.retries = new Counter({
      name: 'app_job_retries_total',
      help: 'Job runs that were retries of an earlier failure, by job name',
      labelNames: ['job'],
      registers: [this.registry],
    });
    this.backlog = new Gauge({
      name: 'app_job_backlog',
      help: 'Jobs due and not yet started, by job name',
      labelNames: ['job'],
      registers: [this.registry],
    });
    this.oldestPending = new Gauge({
      name: 'app_job_oldest_pending_age_seconds',
      help: 'Age of the oldest due job not yet started, by job name',
      labelNames: ['job'],
      registers: [this.registry],
    });
    this.running = new Gauge({
      name: 'app_job_running',
      help: 'Jobs locked by a worker, by job name',
      labelNames: ['job'],
      registers: [this.registry],
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Records one finished piece of work; `errorCode` marks it failed. */
  record(component: Component, subject: string, ms: number, errorCode?: string): void {
    const safeMs = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.duration.observe({ component, subject }, safeMs / 1000);
    if (errorCode) this.errorCount.inc({ component, subject, code: errorCode });
    this.window.add(component, subject, this.clock.now().getTime(), safeMs, errorCode);
  }

  /** Times `work` (sync or async) and records it, with the error's code when it throws. */
  async time<T>(component: Component, subject: string, work: () => Promise<T> | T): Promise<T> {
    const started = this.timer();
    try {
      const result = await work();
      this.record(component, subject, this.timer() - started);
      return result;
    } catch (error) {
      this.record(component, subject, this.timer() - started, errorCodeOf(error));
      throw error;
    }
  }

  recordRetry(job: string): void {
    this.retries.inc({ job });
    this.retryCounts.set(job, (this.retryCounts.get(job) ?? 0) + 1);
  }

  retriesOf(job: string): number {
    return this.retryCounts.get(job) ?? 0;
  }

  /** Replaces the queue snapshot (read from agenda's collection). */
  setQueueState(states: QueueState[]): void {
    this.backlog.reset();
    this.oldestPending.reset();
    this.running.reset();
    for (const s of states) {
      this.backlog.set({ job: s.job }, s.backlog);
      this.oldestPending.set({ job: s.job }, s.oldestPendingAgeMs / 1000);
      this.running.set({ job: s.job }, s.running);
    }
    this.queue = states;
    this.queueReadAt = this.clock.now();
  }

  queueState(): { readAt?: Date; jobs: QueueState[] } {
    return { readAt: this.queueReadAt, jobs: this.queue };
  }

  /** Percentiles per series over the last `windowMs` (ending now). */
  stats(windowMs: number, component?: Component): SeriesStats[] {
    const now = this.clock.now().getTime();
    this.window.prune(now);
    return this.window.stats(now - windowMs, now + 1, component);
  }

  /** One component's percentiles over all its (matching) series in the last `windowMs`. */
  componentStats(
    windowMs: number,
    component: Component,
    keepSubject: (subject: string) => boolean = () => true,
  ) {
    const now = this.clock.now().getTime();
    return this.window.merged(
      now - windowMs,
      now + 1,
      (c, subject) => c === component && keepSubject(subject),
    );
  }

  /** Stats over an explicit range (persistence of closed buckets). */
  statsBetween(from: Date, to: Date): SeriesStats[] {
    return this.window.stats(from.getTime(), to.getTime());
  }

  /** Prometheus text exposition. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }
}

export function errorCodeOf(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return 'INTERNAL_SERVER_ERROR';
}
