/**
 * Scheduled reports: `schedule` stores a weekly or monthly report for a webhook and the agenda job
 * `analytics.scheduled-report` (`deliver`) posts it: the JSON usage report of the last full period
 * (7 days, or the previous calendar month, UTC), signed and posted through the webhook module
 * (`src/webhooks`): the `x-webhook-id` / `x-webhook-timestamp` / `x-webhook-signature` headers
 * every webhook carries, plus the older `x-signature` (HMAC-SHA256 of the body alone) for
 * receivers written against it. A non-2xx answer or a network error fails the job, and agenda
 * retries it.
 */
import { randomUUID } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import { z } from 'zod';
import type { Clock } from '../../shared/clock';
import { AppError, ValidationError } from '../../shared/errors';
import { formatUsd } from '../../shared/money';
import { postOnce } from '../../webhooks/http-post';
import { hmacSha256Hex, signedHeaders } from '../../webhooks/signing';
import { parseReportFilter } from '../reports/report-filter';
import type { ReportService } from '../reports/report-service';
import { DAY_MS } from '../rollups/dimensions';

export const SCHEDULED_REPORT_JOB = 'analytics.scheduled-report';

export const scheduleInputSchema = z.object({
  cadence: z.enum(['WEEKLY', 'MONTHLY']),
  webhookUrl: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL'),
  projectId: z.string().min(1).optional(),
});

export interface ScheduleDoc {
  _id: string;
  organizationId: string;
  cadence: 'WEEKLY' | 'MONTHLY';
  webhookUrl: string;
  projectId?: string;
  createdAt: Date;
  lastSentAt?: Date;
}

/** Agenda cron expression for the cadence: Mondays / the 1st of the month at 06:00 UTC. */
export function cronFor(cadence: ScheduleDoc['cadence']): string {
  return cadence === 'WEEKLY' ? '0 6 * * 1' : '0 6 1 * *';
}

/** The last full period before `now`. */
export function lastPeriod(cadence: ScheduleDoc['cadence'], now: Date): { from: Date; to: Date } {
  const today = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  if (cadence === 'WEEKLY') return { from: new Date(today.getTime() - 7 * DAY_MS), to: today };
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { from: new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth() - 1, 1)), to };
}

export class ScheduledReportService {
  private readonly schedules: Collection<ScheduleDoc>;

  constructor(
    db: Db,
    private readonly reports: ReportService,
    private readonly clock: Clock,
    private readonly secret: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.schedules = db.collection<ScheduleDoc>('analytics_report_schedules');
  }

  async schedule(organizationId: string, input: unknown): Promise<ScheduleDoc> {
    const parsed = scheduleInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((i) => ({ field: ['input', ...i.path].join('.'), message: i.message })),
      );
    }
    const doc: ScheduleDoc = {
      _id: randomUUID(),
      organizationId,
      ...parsed.data,
      createdAt: this.clock.now(),
    };
    await this.schedules.insertOne(doc);
    return doc;
  }

  async deliver(scheduleId: string): Promise<{ status: number }> {
    const s = await this.schedules.findOne({ _id: scheduleId });
    if (!s) throw new AppError('NOT_FOUND', `Report schedule ${scheduleId} does not exist.`);
    const period = lastPeriod(s.cadence, this.clock.now());
    const filter = parseReportFilter(s.organizationId, { ...period, projectId: s.projectId });
    const report = await this.reports.usageReport(filter, {
      granularity: 'DAY',
      top: { dimension: 'MODEL', limit: 10 },
    });
    const body = JSON.stringify({
      scheduleId: s._id,
      organizationId: s.organizationId,
      projectId: s.projectId ?? null,
      cadence: s.cadence,
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      totals: {
        requests: report.totals.requests,
        errors: report.totals.errors,
        costUsd: formatUsd(report.totals.costNano),
      },
      series: report.series.map((p) => ({
        day: p.label,
        requests: p.summary.requests,
        costUsd: formatUsd(p.summary.costNano),
      })),
      topModels: report.top.map((t) => ({ model: t.key, costUsd: formatUsd(t.summary.costNano) })),
    });
    const headers = {
      'x-signature': `sha256=${hmacSha256Hex(this.secret, body)}`,
      // One id per schedule and period, so a retried report is recognisably the same one.
      ...signedHeaders({
        secret: this.secret,
        id: `report:${s._id}:${period.from.toISOString()}`,
        body,
        now: this.clock.now(),
      }),
    };
    const response = await postOnce({
      url: s.webhookUrl,
      body,
      headers,
      timeoutMs: 10_000,
      now: () => this.clock.now(),
      fetchImpl: this.fetchImpl,
    });
    if (!response.ok || response.httpStatus === null) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `The report webhook failed (${response.error ?? `HTTP ${response.httpStatus}`}); it will be retried.`,
      );
    }
    await this.schedules.updateOne({ _id: s._id }, { $set: { lastSentAt: this.clock.now() } });
    return { status: response.httpStatus };
  }
}
