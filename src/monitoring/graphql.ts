/**
 * GraphQL for performance monitoring: `performance(filter)` (component summaries,
 * slowest series, queue state, persisted trend), `performanceRecommendations`,
 * `performanceAlertHistory` and the `performanceAlerts` subscription. The data span
 * every tenant (operation names, listeners, jobs, tools, providers), so every field is
 * for platform administrators only (`PlatformAccess`); the admin of one organisation is
 * refused. Resolvers only call the service.
 */
import { builder } from '../schema/builder';
import type { Context } from '../server/context';
import { AppError } from '../shared/errors';
import type { PerformanceAlert } from './alert-store';
import type { TrendPoint } from './bucket-store';
import { components } from './components';
import type { QueueState } from './instruments';
import type { ComponentSummary, MonitoringService, PerformanceReport } from './monitoring-service';
import type { Recommendation } from './recommendations';
import type { SeriesStats } from './sample-window';
import { systemAlertChannel } from './threshold-detector';

function monitoring(ctx: Context): MonitoringService {
  const service = (ctx.services as { monitoring?: MonitoringService }).monitoring;
  if (!service)
    throw new AppError('SERVICE_UNAVAILABLE', 'Performance monitoring is off (MONITORING_ENABLED=false).');
  return service;
}

const ComponentEnum = builder.enumType('PerformanceComponent', {
  values: components.map((c) => c.toUpperCase()) as Uppercase<(typeof components)[number]>[],
});
const upper = (c: string) => c.toUpperCase() as Uppercase<(typeof components)[number]>;

const ErrorCountRef = builder.objectRef<{ code: string; count: number }>('PerformanceErrorCount').implement({
  fields: (t) => ({ code: t.exposeString('code'), count: t.exposeInt('count') }),
});
const errorList = (byCode: Record<string, number>) =>
  Object.entries(byCode)
    .map(([code, count]) => ({ code, count }))
    .sort((a, b) => b.count - a.count);

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
type Latency = ComponentSummary | SeriesStats;

/** The latency and error fields a component summary and a series share. */
function latencyFields<P extends Latency>(t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, P>) {
  return {
    count: t.int({ resolve: (s) => s.count }),
    errors: t.int({ resolve: (s) => s.errors }),
    errorsByCode: t.field({ type: [ErrorCountRef], resolve: (s) => errorList(s.errorsByCode) }),
    p50Ms: t.float({ resolve: (s) => s.p50Ms }),
    p95Ms: t.float({ resolve: (s) => s.p95Ms }),
    p99Ms: t.float({ resolve: (s) => s.p99Ms }),
    maxMs: t.float({ resolve: (s) => s.maxMs }),
  };
}

const ComponentSummaryRef = builder.objectRef<ComponentSummary>('PerformanceComponentSummary').implement({
  description: 'One component over the window: percentiles over all its samples, in milliseconds.',
  fields: (t) => ({
    component: t.field({ type: ComponentEnum, resolve: (s) => upper(s.component) }),
    subjects: t.exposeInt('series'),
    ...latencyFields(t),
  }),
});

const SeriesRef = builder.objectRef<SeriesStats>('PerformanceSeries').implement({
  description: 'One subject of a component (an operation, listener, job, tool, provider/model, command).',
  fields: (t) => ({
    component: t.field({ type: ComponentEnum, resolve: (s) => upper(s.component) }),
    subject: t.exposeString('subject'),
    ...latencyFields(t),
  }),
});

const QueueJobRef = builder.objectRef<QueueState>('QueueJobState').implement({
  description: 'Jobs of one name in the shared job collection when it was last read.',
  fields: (t) => ({
    job: t.exposeString('job'),
    backlog: t.exposeInt('backlog'),
    running: t.exposeInt('running'),
    failed: t.exposeInt('failed'),
    oldestPendingAgeMs: t.exposeFloat('oldestPendingAgeMs'),
  }),
});

const QueueRef = builder.objectRef<PerformanceReport['queue']>('QueueState').implement({
  fields: (t) => ({
    readAt: t.field({ type: 'DateTime', nullable: true, resolve: (q) => q.readAt }),
    jobs: t.field({ type: [QueueJobRef], resolve: (q) => q.jobs }),
  }),
});

const TrendRef = builder.objectRef<TrendPoint>('PerformanceTrendPoint').implement({
  description: 'A persisted time bucket (all processes merged; p95 is the worst process).',
  fields: (t) => ({
    bucketStart: t.field({ type: 'DateTime', resolve: (p) => p.bucketStart }),
    component: t.field({ type: ComponentEnum, resolve: (p) => upper(p.component) }),
    subject: t.exposeString('subject'),
    count: t.exposeInt('count'),
    errors: t.exposeInt('errors'),
    p95Ms: t.exposeFloat('p95Ms'),
    meanMs: t.exposeFloat('meanMs'),
    maxMs: t.exposeFloat('maxMs'),
  }),
});

const ReportRef = builder.objectRef<PerformanceReport>('PerformanceReport').implement({
  fields: (t) => ({
    from: t.field({ type: 'DateTime', resolve: (r) => r.from }),
    to: t.field({ type: 'DateTime', resolve: (r) => r.to }),
    components: t.field({ type: [ComponentSummaryRef], resolve: (r) => r.components }),
    slowest: t.field({ type: [SeriesRef], resolve: (r) => r.slowest }),
    queue: t.field({ type: QueueRef, resolve: (r) => r.queue }),
    trend: t.field({ type: [TrendRef], resolve: (r) => r.trend }),
  }),
});

const PriorityEnum = builder.enumType('RecommendationPriority', {
  values: ['HIGH', 'MEDIUM', 'LOW'] as const,
});

const RecommendationRef = builder.objectRef<Recommendation>('PerformanceRecommendation').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    component: t.exposeString('component'),
    subject: t.exposeString('subject'),
    title: t.exposeString('title'),
    action: t.exposeString('action'),
    evidence: t.exposeString('evidence'),
    priority: t.field({ type: PriorityEnum, resolve: (r) => r.priority }),
  }),
});

const SeverityEnum = builder.enumType('PerformanceAlertSeverity', {
  values: ['WARNING', 'HIGH', 'CRITICAL'] as const,
});

const AlertRef = builder.objectRef<PerformanceAlert>('PerformanceAlert').implement({
  description: 'A p95 over its threshold (or a growing job backlog), at most once per cooldown.',
  fields: (t) => ({
    id: t.exposeID('id'),
    metric: t.exposeString('metric'),
    subject: t.exposeString('subject'),
    severity: t.field({ type: SeverityEnum, resolve: (a) => a.severity }),
    value: t.exposeFloat('value'),
    threshold: t.exposeFloat('threshold'),
    sampleCount: t.exposeInt('sampleCount'),
    windowMs: t.exposeFloat('windowMs'),
    firedAt: t.field({ type: 'DateTime', resolve: (a) => a.firedAt }),
  }),
});

const FilterInput = builder.inputType('PerformanceFilter', {
  fields: (t) => ({
    windowMinutes: t.int({ description: '1-1440, default 5.' }),
    components: t.field({ type: [ComponentEnum] }),
    subjectContains: t.string(),
    slowestLimit: t.int({ description: '1-100, default 10.' }),
    trendHours: t.int({ description: 'Hours of persisted buckets (0-744), default 0.' }),
  }),
});

/**
 * Platform administrators only. With monitoring off, organisation admins pass so the
 * resolver can say it is off; everyone else is refused either way.
 */
const platformAdmin = {
  authScopes: (_parent: unknown, _args: unknown, ctx: Context) => {
    const service = (ctx.services as { monitoring?: MonitoringService }).monitoring;
    return service ? service.access.isPlatformAdmin(ctx.auth) : { orgAdmin: true };
  },
  unauthorizedError: (_parent: unknown, _args: unknown, ctx: Context) => {
    if (!ctx.auth)
      return new AppError(
        'UNAUTHENTICATED',
        'Authentication required: send "Authorization: Bearer <api key>".',
      );
    const service = (ctx.services as { monitoring?: MonitoringService }).monitoring;
    return service?.access.refusal() ?? new AppError('FORBIDDEN', 'Forbidden: administrators only.');
  },
} as const;
const dropNulls = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v != null));

builder.queryField('performance', (t) =>
  t.field({
    type: ReportRef,
    ...platformAdmin,
    description:
      'Where time goes, for platform administrators: per component, the slowest subjects, the job queue.',
    args: { filter: t.arg({ type: FilterInput }) },
    resolve: (_r, args, ctx) => {
      const filter = dropNulls({ ...(args.filter ?? {}) });
      if (Array.isArray(filter.components))
        filter.components = filter.components.map((c: string) => c.toLowerCase());
      return monitoring(ctx).performance(filter);
    },
  }),
);

builder.queryField('performanceRecommendations', (t) =>
  t.field({
    type: [RecommendationRef],
    ...platformAdmin,
    description: 'Concrete suggestions from the measurements; each names its evidence.',
    args: { windowMinutes: t.arg.int({ description: '1-1440, default 15.' }) },
    resolve: (_r, args, ctx) => {
      const minutes = args.windowMinutes ?? 15;
      if (minutes < 1 || minutes > 1440) {
        throw new AppError('BAD_USER_INPUT', 'windowMinutes must be between 1 and 1440.', {
          details: { fields: [{ field: 'windowMinutes', message: 'must be between 1 and 1440' }] },
        });
      }
      return monitoring(ctx).recommendations(minutes);
    },
  }),
);

builder.queryField('performanceAlertHistory', (t) =>
  t.field({
    type: [AlertRef],
    ...platformAdmin,
    description: 'Stored performance alerts, newest first (kept for PERF_RETENTION_DAYS).',
    args: { limit: t.arg.int({ description: '1-500, default 50.' }) },
    resolve: (_r, args, ctx) => monitoring(ctx).recentAlerts(args.limit ?? 50),
  }),
);

builder.subscriptionField('performanceAlerts', (t) =>
  t.field({
    type: AlertRef,
    ...platformAdmin,
    description: 'Performance alerts as they fire, deployment-wide (platform administrators).',
    subscribe: (_r, _a, ctx) => {
      monitoring(ctx);
      return ctx.pubsub.subscribe('performanceAlert', systemAlertChannel);
    },
    resolve: (alert) => alert,
  }),
);
