/**
 * Turns analytics reports into export tables (see `src/exports`). USAGE and PROVIDER_COMPARISON
 * are small (one row per bucket or model); COST_RECORDS streams every cost record of the range
 * page by page, so an export of millions of rows never holds them in memory.
 */
import { formatUsd } from '../../shared/money';
import type { CostRecordStore } from '../../costs/cost-stores';
import type { CostRecord } from '../../costs/cost-record';
import type { ExportRow, ExportTable } from '../../exports';
import type { ReportFilter } from '../reports/report-filter';
import type { ReportService } from '../reports/report-service';
import type { Granularity } from '../rollups/dimensions';

export const REPORT_KINDS = ['USAGE', 'PROVIDER_COMPARISON', 'COST_RECORDS'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportTableOptions {
  granularity?: Granularity;
  timezone?: string;
  pageSize?: number;
}

const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

export async function buildReportTable(
  kind: ReportKind,
  filter: ReportFilter,
  deps: { reports: ReportService; records: CostRecordStore },
  options: ReportTableOptions = {},
): Promise<ExportTable> {
  const period = `${filter.from.toISOString()} to ${filter.to.toISOString()}`;
  if (kind === 'USAGE') {
    const report = await deps.reports.usageReport(filter, {
      granularity: options.granularity,
      timezone: options.timezone,
    });
    return {
      title: 'AI usage report',
      columns: [
        { key: 'period', header: 'Period', kind: 'string' },
        { key: 'requests', header: 'Requests', kind: 'integer' },
        { key: 'errors', header: 'Errors', kind: 'integer' },
        { key: 'tokens', header: 'Tokens', kind: 'integer' },
        { key: 'cost', header: 'Cost (USD)', kind: 'money' },
        { key: 'p50', header: 'Latency p50 (ms)', kind: 'number' },
        { key: 'p95', header: 'Latency p95 (ms)', kind: 'number' },
        { key: 'toolCalls', header: 'Tool calls', kind: 'integer' },
      ],
      rows: report.series.map((p) => ({
        period: p.label,
        requests: p.summary.requests,
        errors: p.summary.errors,
        tokens: p.summary.totalTokens,
        cost: p.summary.costNano,
        p50: round(p.summary.latencyP50Ms),
        p95: round(p.summary.latencyP95Ms),
        toolCalls: p.summary.toolCalls,
      })),
      summary: [
        { label: 'Period', value: `${period} (${report.timezone})` },
        { label: 'Total cost (USD)', value: formatUsd(report.totals.costNano) },
        { label: 'Requests', value: String(report.totals.requests) },
        { label: 'Errors', value: String(report.totals.errors) },
        { label: 'Tokens', value: String(report.totals.totalTokens) },
      ],
      chart: {
        title: 'Cost per period (USD)',
        points: report.series.map((p) => ({ label: p.label, value: Number(p.summary.costNano) / 1e9 })),
      },
    };
  }
  if (kind === 'PROVIDER_COMPARISON') {
    const rows = await deps.reports.providerComparison(filter);
    return {
      title: 'Provider and model comparison',
      columns: [
        { key: 'provider', header: 'Provider', kind: 'string' },
        { key: 'model', header: 'Model', kind: 'string' },
        { key: 'requests', header: 'Requests', kind: 'integer' },
        { key: 'cost', header: 'Cost (USD)', kind: 'money' },
        { key: 'per1k', header: 'Cost per 1k requests', kind: 'money' },
        { key: 'perMTok', header: 'Cost per 1M tokens', kind: 'money' },
        { key: 'p50', header: 'p50 (ms)', kind: 'number' },
        { key: 'p95', header: 'p95 (ms)', kind: 'number' },
        { key: 'tps', header: 'Tokens/s', kind: 'number' },
        { key: 'errorRate', header: 'Error rate', kind: 'number' },
        { key: 'toolErrorRate', header: 'Tool error rate', kind: 'number' },
      ],
      rows: rows.map((r) => ({
        provider: r.provider,
        model: r.model,
        requests: r.summary.requests,
        cost: r.summary.costNano,
        per1k: r.costPer1kRequestsNano,
        perMTok: r.costPerMillionTokensNano,
        p50: round(r.summary.latencyP50Ms),
        p95: round(r.summary.latencyP95Ms),
        tps: round(r.summary.tokensPerSecond),
        errorRate: Math.round(r.summary.errorRate * 10_000) / 10_000,
        toolErrorRate: Math.round(r.summary.toolErrorRate * 10_000) / 10_000,
      })),
      summary: [{ label: 'Period', value: period }],
      chart: {
        title: 'Cost by model (USD)',
        points: rows.map((r) => ({ label: r.model, value: Number(r.summary.costNano) / 1e9 })),
      },
    };
  }
  return {
    title: 'Cost records',
    columns: [
      { key: 'requestedAt', header: 'Requested at', kind: 'date' },
      { key: 'id', header: 'Record', kind: 'string' },
      { key: 'kind', header: 'Kind', kind: 'string' },
      { key: 'projectId', header: 'Project', kind: 'string' },
      { key: 'userId', header: 'User', kind: 'string' },
      { key: 'provider', header: 'Provider', kind: 'string' },
      { key: 'model', header: 'Model', kind: 'string' },
      { key: 'inputTokens', header: 'Input tokens', kind: 'integer' },
      { key: 'outputTokens', header: 'Output tokens', kind: 'integer' },
      { key: 'cost', header: 'Cost (USD)', kind: 'money' },
      { key: 'status', header: 'Status', kind: 'string' },
    ],
    rows: streamRecords(filter, deps.records, options.pageSize ?? 2000),
    summary: [{ label: 'Period', value: period }],
  };
}

async function* streamRecords(
  filter: ReportFilter,
  store: CostRecordStore,
  pageSize: number,
): AsyncIterable<ExportRow> {
  let after: { requestedAt: Date; id: string } | undefined;
  for (;;) {
    const page = await store.find(
      {
        organizationId: filter.organizationId,
        projectId: filter.projectId,
        userId: filter.userId,
        apiKeyId: filter.apiKeyId,
        provider: filter.provider,
        model: filter.model,
        from: filter.from,
        to: filter.to,
      },
      { first: pageSize, after },
    );
    for (const r of page) yield recordRow(r);
    if (page.length < pageSize) return;
    const last = page[page.length - 1] as CostRecord;
    after = { requestedAt: last.requestedAt, id: last.id };
  }
}

function recordRow(r: CostRecord): ExportRow {
  return {
    requestedAt: r.requestedAt,
    id: r.id,
    kind: r.kind,
    projectId: r.projectId,
    userId: r.userId,
    provider: r.provider,
    model: r.model,
    inputTokens: r.usage.inputUncached + r.usage.cacheRead + r.usage.cacheWrite5m + r.usage.cacheWrite1h,
    outputTokens: r.usage.output + r.usage.reasoning,
    cost: r.cost.total,
    status: r.status,
  };
}
