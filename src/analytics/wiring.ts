/**
 * One call that wires analytics into a process: services (with exports and scheduled reports when
 * configured), the rollup listeners, and the agenda jobs (rollup drain with a one-minute sweep,
 * export, scheduled report, a daily recommendations refresh). The composition root calls
 * `wireAnalytics(...)`, puts `services` on the registry as `analytics`, and mounts
 * `downloadHandler` on the HTTP server. The recurring jobs are scheduled here; a failure to
 * schedule them is logged (the drain still runs on every request for it).
 * Configuration (validated): ANALYTICS_EXPORT_SECRET (>= 32 chars) enables exports and signs
 * webhooks; ANALYTICS_EXPORT_DIR (default ./exports); PUBLIC_URL (default http://localhost:4000).
 */
import type { ExtraInputs } from './recommendations/recommendation-service';
import path from 'node:path';
import type { Db } from 'mongodb';
import { z } from 'zod';
import type { EventBus } from '../events/bus';
import type { Clock } from '../shared/clock';
import { AppError } from '../shared/errors';
import { logger as defaultLogger, type Logger } from '../shared/logger';
import { createAnalyticsServices, type AnalyticsServices } from './analytics-runtime';
import {
  createExportDownloadHandler,
  defineExportJob,
  EXPORT_JOB,
  ExportJobService,
} from './exports/export-jobs';
import { cronFor, SCHEDULED_REPORT_JOB, ScheduledReportService } from './exports/scheduled-reports';
import { defineRollupDrainJob } from './rollups/drain-job';
import { registerAnalyticsListeners } from './rollups/listeners';

export const RECOMMENDATIONS_JOB = 'analytics.recommendations';
/** Daily at 03:00 UTC, after the day's rollups are complete. */
export const RECOMMENDATIONS_CRON = '0 3 * * *';

/** The part of agenda analytics uses. */
export interface AnalyticsAgenda {
  define(name: string, handler: (job: { attrs: { data: unknown } }) => Promise<void>): unknown;
  now(name: string, data: unknown): Promise<unknown>;
  every(interval: string, name: string, data: unknown, options?: unknown): Promise<unknown>;
}

const envSchema = z.object({
  ANALYTICS_EXPORT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  ANALYTICS_EXPORT_DIR: z.string().min(1).default('exports'),
  PUBLIC_URL: z.string().url().default('http://localhost:4000'),
});

export function wireAnalytics(deps: {
  db: Db;
  clock: Clock;
  events: EventBus;
  agenda: AnalyticsAgenda;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Inputs kept by other features (budget periods) for the recommendation rules. */
  extraInputs?: ExtraInputs;
}): {
  services: AnalyticsServices;
  downloadHandler: ((request: Request) => Promise<Response | null>) | null;
} {
  const parsed = envSchema.safeParse(deps.env ?? process.env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError('CONFIG_INVALID', `Invalid analytics configuration: ${issues}`);
  }
  const env = parsed.data;
  const services = createAnalyticsServices(deps.db, deps.clock, deps.extraInputs);
  const drain = defineRollupDrainJob(deps.agenda, services.rollups);
  registerAnalyticsListeners(deps.events, services.rollups, services.sources, drain.request);

  let downloadHandler: ((request: Request) => Promise<Response | null>) | null = null;
  if (env.ANALYTICS_EXPORT_SECRET) {
    const exportService = new ExportJobService(deps.db, services, deps.clock, {
      dir: path.resolve(env.ANALYTICS_EXPORT_DIR),
      secret: env.ANALYTICS_EXPORT_SECRET,
      baseUrl: env.PUBLIC_URL,
    });
    defineExportJob(deps.agenda, exportService);
    services.exports = {
      service: exportService,
      enqueue: async (exportId) => {
        await deps.agenda.now(EXPORT_JOB, { exportId });
      },
    };
    downloadHandler = createExportDownloadHandler(exportService);

    const scheduleService = new ScheduledReportService(
      deps.db,
      services.reports,
      deps.clock,
      env.ANALYTICS_EXPORT_SECRET,
    );
    deps.agenda.define(SCHEDULED_REPORT_JOB, async (job) => {
      const { scheduleId } = z.object({ scheduleId: z.string().min(1) }).parse(job.attrs.data);
      await scheduleService.deliver(scheduleId);
    });
    services.schedules = {
      service: scheduleService,
      register: async (schedule) => {
        await deps.agenda.every(
          cronFor(schedule.cadence),
          SCHEDULED_REPORT_JOB,
          { scheduleId: schedule._id },
          {
            timezone: 'UTC',
            skipImmediate: true,
          },
        );
      },
    };
  }

  deps.agenda.define(RECOMMENDATIONS_JOB, async () => {
    for (const org of await services.sources.organizations()) await services.recommendations.refresh(org);
  });
  const log = deps.logger ?? defaultLogger;
  void Promise.all([
    drain.scheduleSweep(),
    deps.agenda.every(
      RECOMMENDATIONS_CRON,
      RECOMMENDATIONS_JOB,
      {},
      { timezone: 'UTC', skipImmediate: true },
    ),
  ]).catch((err: unknown) => log.error({ err }, 'could not schedule the analytics jobs'));
  return { services, downloadHandler };
}
