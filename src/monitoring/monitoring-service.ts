/**
 * MonitoringService: the one object the rest of the app talks to. It owns the
 * instruments, attaches them to the event bus, agenda, the driver, MCP registries and
 * chat runners, and runs a periodic tick that reads the queue state, persists closed
 * buckets and evaluates thresholds. The GraphQL fields call `performance`,
 * `recommendations` and `recentAlerts`.
 */
import { hostname } from 'node:os';
import type { Agenda } from 'agenda';
import type { Db, MongoClient } from 'mongodb';
import type { EventBus } from '../events/bus';
import type { ChatRunner } from '../providers/chat-runner';
import type { AppPubSub } from '../pubsub/pubsub';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { AlertStore, type PerformanceAlert } from './alert-store';
import { BacklogTrend } from './backlog-trend';
import { BucketStore, type MetricBucket, type TrendPoint } from './bucket-store';
import type { Component } from './components';
import { observeMongoCommands } from './db-instrumentation';
import { instrumentEventBus } from './event-bus-instrumentation';
import { Instruments, type QueueState, type Timer } from './instruments';
import { observeMcpRegistry, type McpEventSource } from './mcp-instrumentation';
import { parsePerformanceFilter } from './performance-filter';
import { PlatformAccess } from './platform-access';
import { instrumentChatRunner } from './provider-instrumentation';
import { observeAgenda, readQueueState } from './queue-instrumentation';
import { recommend, type Recommendation } from './recommendations';
import type { LatencyStats } from './percentiles';
import type { SeriesStats } from './sample-window';
import { ThresholdDetector } from './threshold-detector';
import type { Thresholds } from './thresholds';

export interface MonitoringOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  pubsub: AppPubSub;
  thresholds: Thresholds;
  retentionMs: number;
  bucketMs: number;
  slowResolverMs: number;
  timer?: Timer;
  /** Agenda's collection, for backlog. */
  jobsCollection?: string;
  processMetrics?: boolean;
  /** Organisations whose owners and admins read performance data over GraphQL. */
  platformAdminOrgIds?: readonly string[];
  /**
   * Serve /metrics on the API port without a token (development). Off in production: the
   * text names every tenant's operations, so the public port needs METRICS_TOKEN.
   */
  openMetricsWithoutToken?: boolean;
}

export interface ComponentSummary extends LatencyStats {
  component: Component;
  /** How many subjects contributed. */
  series: number;
  errorsByCode: Record<string, number>;
}

export interface PerformanceReport {
  from: Date;
  to: Date;
  components: ComponentSummary[];
  slowest: SeriesStats[];
  queue: { readAt: Date | null; jobs: QueueState[] };
  trend: TrendPoint[];
}

export class MonitoringService {
  readonly instruments: Instruments;
  readonly alerts: AlertStore;
  readonly buckets: BucketStore;
  readonly access: PlatformAccess;
  private readonly backlog: BacklogTrend;
  private readonly detector: ThresholdDetector;
  private readonly instance = `${hostname()}:${process.pid}`;
  private flushedUntil: number;
  private timerHandle?: NodeJS.Timeout;
  private ticking?: Promise<unknown>;
  private readonly detach: (() => void)[] = [];
  /** Alerts raised outside the tick (slow MCP calls), awaited by `idle` and `stop`. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly options: MonitoringOptions) {
    this.instruments = new Instruments({
      clock: options.clock,
      timer: options.timer,
      retainMs: Math.max(options.thresholds.windowMs, options.bucketMs * 2, 60 * 60_000),
      processMetrics: options.processMetrics,
    });
    this.alerts = new AlertStore(options.db, options.retentionMs);
    this.buckets = new BucketStore(options.db, options.retentionMs);
    this.access = new PlatformAccess(options.platformAdminOrgIds ?? []);
    this.backlog = new BacklogTrend(options.thresholds.backlogGrowingMinutes * 60_000);
    this.detector = new ThresholdDetector({
      instruments: this.instruments,
      thresholds: options.thresholds,
      alerts: this.alerts,
      backlog: this.backlog,
      events: options.events,
      pubsub: options.pubsub,
      logger: options.logger,
    });
    this.flushedUntil = this.bucketStartOf(options.clock.now().getTime());
  }

  get slowResolverMs(): number {
    return this.options.slowResolverMs;
  }

  get openMetricsWithoutToken(): boolean {
    return this.options.openMetricsWithoutToken ?? true;
  }

  get logger(): Logger {
    return this.options.logger;
  }

  async ensureIndexes(): Promise<void> {
    await Promise.all([this.alerts.ensureIndexes(), this.buckets.ensureIndexes()]);
  }

  /** An EventBus whose listeners are timed. Register listeners through it. */
  observeBus(bus: EventBus): EventBus {
    return instrumentEventBus(bus, this.instruments);
  }

  observeAgenda(agenda: Agenda): void {
    this.detach.push(observeAgenda(agenda, this.instruments));
  }

  observeMongoClient(client: MongoClient): void {
    this.detach.push(observeMongoCommands(client, this.instruments));
  }

  /**
   * Call latency and startup time per server; a single call over the MCP threshold
   * alerts at once, through the same cooldown as the window's p95.
   */
  observeMcpRegistry(registry: McpEventSource): void {
    const threshold = this.options.thresholds.p95Ms.mcp_call;
    this.detach.push(
      observeMcpRegistry(registry, this.instruments, {
        slowCallMs: threshold,
        onSlowCall: (call, subject) =>
          this.track(
            this.detector.raiseNow({
              metric: 'mcp_call',
              subject,
              value: Math.round(call.durationMs),
              threshold: threshold ?? 0,
              sampleCount: 1,
              windowMs: 0,
            }),
            'slow MCP call alert failed',
          ),
      }),
    );
  }

  /** Resolves when every alert raised outside the tick has been stored and delivered. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private track(work: Promise<unknown>, failure: string): void {
    const done: Promise<unknown> = work
      .catch((error: unknown) => this.options.logger.warn({ err: error }, failure))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }

  instrumentChatRunner(runner: ChatRunner): ChatRunner {
    return instrumentChatRunner(runner, this.instruments);
  }

  /** Reads backlog and oldest pending age per job from agenda's collection. */
  async refreshQueueState(): Promise<QueueState[]> {
    const now = this.options.clock.now();
    const states = await readQueueState(this.options.db, now, this.options.jobsCollection);
    this.instruments.setQueueState(states);
    this.backlog.add(now.getTime(), states);
    return states;
  }

  /** Writes every bucket that closed since the last flush. */
  async flushBuckets(): Promise<number> {
    const closedUntil = this.bucketStartOf(this.options.clock.now().getTime());
    const docs: MetricBucket[] = [];
    for (let start = this.flushedUntil; start < closedUntil; start += this.options.bucketMs) {
      const bucketStart = new Date(start);
      for (const s of this.instruments.statsBetween(bucketStart, new Date(start + this.options.bucketMs))) {
        docs.push({ ...s, bucketStart, bucketMs: this.options.bucketMs, instance: this.instance });
      }
    }
    await this.buckets.write(docs);
    this.flushedUntil = Math.max(this.flushedUntil, closedUntil);
    return docs.length;
  }

  /** One monitoring cycle: queue state, persistence, thresholds. Never throws. */
  async tick(): Promise<PerformanceAlert[]> {
    try {
      await this.refreshQueueState();
      await this.flushBuckets();
      return await this.detector.evaluate();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'monitoring tick failed');
      return [];
    }
  }

  /** Runs `tick` every intervalMs (unref'd: it never keeps the process alive). */
  start(intervalMs = 15_000): void {
    if (this.timerHandle) return;
    this.timerHandle = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, intervalMs);
    this.timerHandle.unref();
  }

  async stop(): Promise<void> {
    if (this.timerHandle) clearInterval(this.timerHandle);
    this.timerHandle = undefined;
    for (const off of this.detach.splice(0)) off();
    await this.ticking;
    await this.idle();
    await this.flushBuckets().catch(() => undefined);
  }

  async performance(rawFilter?: unknown): Promise<PerformanceReport> {
    const filter = parsePerformanceFilter(rawFilter);
    const windowMs = filter.windowMinutes * 60_000;
    const to = this.options.clock.now();
    const wanted = (c: Component) => !filter.components || filter.components.includes(c);
    const needle = filter.subjectContains?.toLowerCase();
    const series = this.instruments
      .stats(windowMs)
      .filter((s) => wanted(s.component) && (!needle || s.subject.toLowerCase().includes(needle)));
    const byComponent = new Set(series.map((s) => s.component));
    const keep = (subject: string) => !needle || subject.toLowerCase().includes(needle);
    const components = [...byComponent].map((component) => ({
      component,
      ...this.instruments.componentStats(windowMs, component, keep),
    }));
    const slowest = [...series].sort((a, b) => b.p95Ms - a.p95Ms).slice(0, filter.slowestLimit);
    const queue = this.instruments.queueState();
    const trend = filter.trendHours
      ? (await this.buckets.trend(new Date(to.getTime() - filter.trendHours * 3_600_000), to)).filter(
          (p) => wanted(p.component) && (!needle || p.subject.toLowerCase().includes(needle)),
        )
      : [];
    return {
      from: new Date(to.getTime() - windowMs),
      to,
      components,
      slowest,
      queue: { readAt: queue.readAt ?? null, jobs: queue.jobs },
      trend,
    };
  }

  recommendations(windowMinutes = 15): Recommendation[] {
    const windowMs = windowMinutes * 60_000;
    return recommend({
      series: this.instruments.stats(windowMs),
      queue: this.instruments.queueState().jobs,
      thresholds: this.options.thresholds,
      windowMs,
    });
  }

  recentAlerts(limit = 50): Promise<PerformanceAlert[]> {
    return this.alerts.recent(Math.min(Math.max(limit, 1), 500));
  }

  private bucketStartOf(ms: number): number {
    return Math.floor(ms / this.options.bucketMs) * this.options.bucketMs;
  }
}
