/**
 * Analytics GraphQL fields: `usageReport`, `providerComparison`, `trends`, `anomalies` and
 * `forecast`. Resolvers only authorise the filter and call the report service; money leaves as
 * exact Decimal strings (USD).
 */
import { builder } from '../schema/builder';
import { formatUsd } from '../shared/money';
import { analyticsOf, authorizedFilter, requireOrgAdmin } from './graphql-access';
import type { Recommendation } from './recommendations/recommendation';
import type { ExportDoc } from './exports/export-jobs';
import { AppError } from '../shared/errors';
import type { ModelComparison, SeriesPoint, UsageReport } from './reports/report-service';
import type { MetricsSummary } from './reports/summary';
import type { TrendSummary } from './stats/trend';
import type { Anomaly } from './stats/anomalies';
import type { ForecastResult } from './forecast/forecast';
import type { PointForecast } from './forecast/holt-winters';

const Granularity = builder.enumType('AnalyticsGranularity', { values: ['HOUR', 'DAY'] as const });
const Metric = builder.enumType('AnalyticsMetric', {
  values: ['COST', 'REQUESTS', 'TOKENS', 'ERRORS'] as const,
});
const TopDimension = builder.enumType('AnalyticsDimension', {
  values: ['PROJECT', 'USER', 'API_KEY', 'PROVIDER', 'MODEL'] as const,
});

const Filter = builder.inputType('AnalyticsFilter', {
  description:
    'Half-open range [from, to), at most 400 days; at most one of userId, apiKeyId, provider(+model).',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', required: true }),
    to: t.field({ type: 'DateTime', required: true }),
    projectId: t.string(),
    userId: t.string(),
    apiKeyId: t.string(),
    provider: t.string(),
    model: t.string(),
  }),
});

const Summary = builder.objectRef<MetricsSummary>('UsageSummary').implement({
  fields: (t) => ({
    requests: t.exposeInt('requests'),
    errors: t.exposeInt('errors'),
    errorRate: t.exposeFloat('errorRate'),
    totalTokens: t.exposeInt('totalTokens'),
    tokens: t.field({ type: 'JSON', resolve: (s) => s.tokens }),
    costUsd: t.field({ type: 'Decimal', resolve: (s) => formatUsd(s.costNano) }),
    unpricedRequests: t.exposeInt('unpricedRequests'),
    latencyAvgMs: t.float({ nullable: true, resolve: (s) => s.latencyAvgMs }),
    latencyP50Ms: t.float({ nullable: true, resolve: (s) => s.latencyP50Ms }),
    latencyP95Ms: t.float({ nullable: true, resolve: (s) => s.latencyP95Ms }),
    ttftP50Ms: t.float({ nullable: true, resolve: (s) => s.ttftP50Ms }),
    ttftP95Ms: t.float({ nullable: true, resolve: (s) => s.ttftP95Ms }),
    tokensPerSecond: t.float({ nullable: true, resolve: (s) => s.tokensPerSecond }),
    toolCalls: t.exposeInt('toolCalls'),
    toolErrors: t.exposeInt('toolErrors'),
    toolErrorRate: t.exposeFloat('toolErrorRate'),
  }),
});

const Point = builder.objectRef<SeriesPoint>('UsagePoint').implement({
  fields: (t) => ({
    bucketStart: t.field({ type: 'DateTime', resolve: (p) => p.bucketStart }),
    label: t.exposeString('label'),
    summary: t.field({ type: Summary, resolve: (p) => p.summary }),
  }),
});

const TopEntry = builder.objectRef<UsageReport['top'][number]>('UsageTopEntry').implement({
  fields: (t) => ({
    dimension: t.field({ type: TopDimension, resolve: (e) => e.dimension }),
    key: t.exposeString('key'),
    summary: t.field({ type: Summary, resolve: (e) => e.summary }),
  }),
});

const Report = builder.objectRef<UsageReport>('UsageReport').implement({
  fields: (t) => ({
    granularity: t.field({ type: Granularity, resolve: (r) => r.granularity }),
    timezone: t.exposeString('timezone'),
    series: t.field({ type: [Point], resolve: (r) => r.series }),
    totals: t.field({ type: Summary, resolve: (r) => r.totals }),
    top: t.field({ type: [TopEntry], resolve: (r) => r.top }),
  }),
});

const Comparison = builder.objectRef<ModelComparison>('ModelComparison').implement({
  fields: (t) => ({
    provider: t.exposeString('provider'),
    model: t.exposeString('model'),
    summary: t.field({ type: Summary, resolve: (c) => c.summary }),
    costPer1kRequestsUsd: t.field({
      type: 'Decimal',
      nullable: true,
      resolve: (c) => (c.costPer1kRequestsNano === null ? null : formatUsd(c.costPer1kRequestsNano)),
    }),
    costPerMillionTokensUsd: t.field({
      type: 'Decimal',
      nullable: true,
      resolve: (c) => (c.costPerMillionTokensNano === null ? null : formatUsd(c.costPerMillionTokensNano)),
    }),
  }),
});

const Trend = builder.objectRef<TrendSummary>('Trend').implement({
  fields: (t) => ({
    direction: t.exposeString('direction'),
    slope: t.exposeFloat('slope'),
    periodOverPeriodPercent: t.float({ nullable: true, resolve: (s) => s.periodOverPeriodPercent }),
    currentTotal: t.exposeFloat('currentTotal'),
    previousTotal: t.exposeFloat('previousTotal'),
  }),
});

type AnomalyRow = Anomaly & {
  records: { id: string; requestedAt: Date; model: string; userId: string | null }[];
};
const AnomalyType = builder.objectRef<AnomalyRow>('UsageAnomaly').implement({
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (a) => a.at }),
    value: t.exposeFloat('value'),
    expected: t.exposeFloat('expected'),
    score: t.exposeFloat('score'),
    direction: t.exposeString('direction'),
    recordIds: t.stringList({ resolve: (a) => a.records.map((r) => r.id) }),
  }),
});

const ForecastPointType = builder.objectRef<PointForecast & { at: Date }>('ForecastPoint').implement({
  fields: (t) => ({
    at: t.field({ type: 'DateTime', resolve: (p) => p.at }),
    value: t.exposeFloat('value'),
    lower: t.exposeFloat('lower'),
    upper: t.exposeFloat('upper'),
  }),
});

const ForecastType = builder.objectRef<ForecastResult & { startsAt: Date }>('Forecast').implement({
  fields: (t) => ({
    method: t.exposeString('method'),
    note: t.string({ nullable: true, resolve: (f) => f.note ?? null }),
    historyLength: t.exposeInt('historyLength'),
    points: t.field({
      type: [ForecastPointType],
      resolve: (f) =>
        f.points.map((p) => ({ ...p, at: new Date(f.startsAt.getTime() + (p.step - 1) * 86_400_000) })),
    }),
  }),
});

builder.queryFields((t) => ({
  usageReport: t.field({
    type: Report,
    args: {
      filter: t.arg({ type: Filter, required: true }),
      granularity: t.arg({ type: Granularity, defaultValue: 'DAY' }),
      timezone: t.arg.string({ defaultValue: 'UTC' }),
      topBy: t.arg({ type: TopDimension }),
      topLimit: t.arg.int({ defaultValue: 10 }),
    },
    resolve: async (_root, args, context) => {
      const filter = await authorizedFilter(context, args.filter);
      return analyticsOf(context).reports.usageReport(filter, {
        granularity: args.granularity ?? 'DAY',
        timezone: args.timezone ?? 'UTC',
        top: args.topBy ? { dimension: args.topBy, limit: args.topLimit ?? 10 } : undefined,
      });
    },
  }),
  providerComparison: t.field({
    type: [Comparison],
    args: { filter: t.arg({ type: Filter, required: true }) },
    resolve: async (_root, args, context) =>
      analyticsOf(context).reports.providerComparison(await authorizedFilter(context, args.filter)),
  }),
  trends: t.field({
    type: Trend,
    args: {
      filter: t.arg({ type: Filter, required: true }),
      metric: t.arg({ type: Metric, required: true }),
    },
    resolve: async (_root, args, context) =>
      analyticsOf(context).reports.trends(await authorizedFilter(context, args.filter), args.metric),
  }),
  anomalies: t.field({
    type: [AnomalyType],
    args: {
      filter: t.arg({ type: Filter, required: true }),
      metric: t.arg({ type: Metric, defaultValue: 'COST' }),
      granularity: t.arg({ type: Granularity, defaultValue: 'DAY' }),
    },
    resolve: async (_root, args, context) =>
      analyticsOf(context).reports.anomalies(
        await authorizedFilter(context, args.filter),
        args.metric ?? 'COST',
        args.granularity ?? 'DAY',
      ),
  }),
  forecast: t.field({
    type: ForecastType,
    args: {
      filter: t.arg({ type: Filter, required: true }),
      metric: t.arg({ type: Metric, defaultValue: 'COST' }),
      horizon: t.arg.int({ required: true, description: 'Days past the end of the filter range, 1..366.' }),
    },
    resolve: async (_root, args, context) =>
      analyticsOf(context).reports.forecast(
        await authorizedFilter(context, args.filter),
        args.metric ?? 'COST',
        args.horizon,
      ),
  }),
}));

const RecommendationType = builder
  .objectRef<Recommendation & { computedAt?: Date }>('Recommendation')
  .implement({
    fields: (t) => ({
      kind: t.exposeString('kind'),
      key: t.exposeString('key'),
      title: t.exposeString('title'),
      detail: t.exposeString('detail'),
      estimatedMonthlySavingUsd: t.field({
        type: 'Decimal',
        resolve: (r) => formatUsd(r.estimatedMonthlySavingNano),
      }),
      confidence: t.exposeFloat('confidence'),
      confidenceLevel: t.exposeString('confidenceLevel'),
      recordCount: t.int({ resolve: (r) => r.evidence.recordCount }),
      examples: t.stringList({ resolve: (r) => r.evidence.examples }),
      figures: t.field({ type: 'JSON', resolve: (r) => r.evidence.figures }),
    }),
  });

builder.queryField('recommendations', (t) =>
  t.field({
    type: [RecommendationType],
    description: 'Stored savings recommendations of your organisation (admins), dismissed ones left out.',
    args: {
      refresh: t.arg.boolean({
        defaultValue: false,
        description: 'Recompute now instead of reading the stored set.',
      }),
    },
    resolve: async (_root, args, context) => {
      const caller = requireOrgAdmin(context);
      const service = analyticsOf(context).recommendations;
      if (args.refresh) await service.refresh(caller.organizationId);
      return service.list(caller.organizationId);
    },
  }),
);

builder.mutationField('dismissRecommendation', (t) =>
  t.boolean({
    args: { key: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const caller = requireOrgAdmin(context);
      await analyticsOf(context).recommendations.dismiss(caller.organizationId, args.key, caller.userId);
      return true;
    },
  }),
);

const ReportKindEnum = builder.enumType('AnalyticsReportKind', {
  values: ['USAGE', 'PROVIDER_COMPARISON', 'COST_RECORDS'] as const,
});
const ExportFormatEnum = builder.enumType('ExportFormat', {
  values: ['CSV', 'JSON', 'XLSX', 'PDF'] as const,
});

const ExportInput = builder.inputType('ExportReportInput', {
  fields: (t) => ({
    report: t.field({ type: ReportKindEnum, required: true }),
    format: t.field({ type: ExportFormatEnum, required: true }),
    filter: t.field({ type: Filter, required: true }),
    granularity: t.field({ type: Granularity }),
    timezone: t.string(),
  }),
});

type ExportView = ExportDoc & { downloadUrl?: string | null; expiresAt?: Date | null };
const ExportType = builder.objectRef<ExportView>('AnalyticsExport').implement({
  fields: (t) => ({
    id: t.string({ resolve: (e) => e._id }),
    status: t.exposeString('status'),
    progressRows: t.exposeInt('progressRows'),
    rows: t.int({ nullable: true, resolve: (e) => e.rows ?? null }),
    error: t.string({ nullable: true, resolve: (e) => e.error ?? null }),
    downloadUrl: t.string({ nullable: true, resolve: (e) => e.downloadUrl ?? null }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => e.expiresAt ?? null }),
  }),
});

function exportsOf(context: Parameters<typeof analyticsOf>[0]) {
  const exports = analyticsOf(context).exports;
  if (!exports) throw new AppError('SERVICE_UNAVAILABLE', 'Exports are not configured on this server.');
  return exports;
}

builder.mutationField('exportReport', (t) =>
  t.field({
    type: ExportType,
    description: 'Queues a report export; poll exportStatus for progress and the signed download URL.',
    args: { input: t.arg({ type: ExportInput, required: true }) },
    resolve: async (_root, args, context) => {
      const exports = exportsOf(context);
      await authorizedFilter(context, args.input.filter);
      const caller = context.auth!;
      const doc = await exports.service.request(caller.organizationId, caller.userId, {
        ...args.input,
        granularity: args.input.granularity ?? undefined,
        timezone: args.input.timezone ?? undefined,
      });
      await exports.enqueue(doc._id);
      return doc;
    },
  }),
);

builder.queryField('exportStatus', (t) =>
  t.field({
    type: ExportType,
    args: { id: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      const exports = exportsOf(context);
      const status = await exports.service.status(context.auth!.organizationId, args.id);
      return status;
    },
  }),
);

const Cadence = builder.enumType('ReportCadence', { values: ['WEEKLY', 'MONTHLY'] as const });

const ScheduleType = builder
  .objectRef<{ _id: string; cadence: string; webhookUrl: string; projectId?: string }>('ReportSchedule')
  .implement({
    fields: (t) => ({
      id: t.string({ resolve: (s) => s._id }),
      cadence: t.exposeString('cadence'),
      webhookUrl: t.exposeString('webhookUrl'),
      projectId: t.string({ nullable: true, resolve: (s) => s.projectId ?? null }),
    }),
  });

builder.mutationField('scheduleReport', (t) =>
  t.field({
    type: ScheduleType,
    description: 'Sends the usage report of the last week or month to a webhook on that cadence (admins).',
    args: {
      cadence: t.arg({ type: Cadence, required: true }),
      webhookUrl: t.arg.string({ required: true }),
      projectId: t.arg.string(),
    },
    resolve: async (_root, args, context) => {
      const caller = requireOrgAdmin(context);
      const schedules = analyticsOf(context).schedules;
      if (!schedules)
        throw new AppError('SERVICE_UNAVAILABLE', 'Scheduled reports are not configured on this server.');
      if (
        args.projectId &&
        !(await context.services.auth.projectInOrganization(caller.organizationId, args.projectId))
      ) {
        throw new AppError('FORBIDDEN', 'Forbidden: that project is not in your organisation.');
      }
      const doc = await schedules.service.schedule(caller.organizationId, {
        cadence: args.cadence,
        webhookUrl: args.webhookUrl,
        projectId: args.projectId ?? undefined,
      });
      await schedules.register(doc);
      return doc;
    },
  }),
);
