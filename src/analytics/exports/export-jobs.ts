/**
 * Report exports as background jobs: `request` stores a QUEUED export and `run` (the agenda job
 * `analytics.export`) writes the file, streaming, recording progress every 10,000 rows. A finished
 * export is downloaded through a signed, expiring URL: HMAC-SHA256 over "<id>.<expires>" with a
 * server secret, checked in constant time, so the URL needs no session and cannot be forged or
 * extended. `createExportDownloadHandler` serves it (mount it on the HTTP server).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Collection, Db } from 'mongodb';
import { z } from 'zod';
import type { Clock } from '../../shared/clock';
import { AppError, ValidationError } from '../../shared/errors';
import {
  CONTENT_TYPES,
  EXPORT_FORMATS,
  FILE_EXTENSIONS,
  writeExport,
  type ExportFormat,
} from '../../exports';
import type { AnalyticsServices } from '../analytics-runtime';
import { parseReportFilter } from '../reports/report-filter';
import { buildReportTable, REPORT_KINDS, type ReportKind } from './report-tables';

export const EXPORT_JOB = 'analytics.export';

export const exportRequestSchema = z.object({
  report: z.enum(REPORT_KINDS),
  format: z.enum(EXPORT_FORMATS as [ExportFormat, ...ExportFormat[]]),
  filter: z.unknown(),
  granularity: z.enum(['HOUR', 'DAY']).default('DAY'),
  timezone: z.string().default('UTC'),
});
export type ExportRequest = z.input<typeof exportRequestSchema>;

export const exportJobSchema = z.object({ exportId: z.string().min(1) });

export interface ExportDoc {
  _id: string;
  organizationId: string;
  requestedBy: string;
  request: z.output<typeof exportRequestSchema>;
  status: 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';
  progressRows: number;
  rows?: number;
  bytes?: number;
  error?: string;
  createdAt: Date;
  finishedAt?: Date;
}

export interface ExportJobOptions {
  dir: string;
  /** At least 32 characters; from the environment, never from the database. */
  secret: string;
  /** Public base URL of the server, e.g. https://ai.example.com */
  baseUrl: string;
  urlTtlMs?: number;
}

export class ExportJobService {
  private readonly exports: Collection<ExportDoc>;
  private readonly ttl: number;

  constructor(
    db: Db,
    private readonly analytics: Pick<AnalyticsServices, 'reports' | 'records'>,
    private readonly clock: Clock,
    private readonly options: ExportJobOptions,
  ) {
    if (options.secret.length < 32)
      throw new AppError('CONFIG_INVALID', 'The export signing secret must be at least 32 characters.');
    this.exports = db.collection<ExportDoc>('analytics_exports');
    this.ttl = options.urlTtlMs ?? 60 * 60 * 1000;
  }

  async request(organizationId: string, requestedBy: string, input: unknown): Promise<ExportDoc> {
    const parsed = exportRequestSchema.safeParse(input);
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((i) => ({ field: ['input', ...i.path].join('.'), message: i.message })),
      );
    }
    // Validate the filter now, so a bad request fails at once instead of in the job.
    parseReportFilter(organizationId, parsed.data.filter);
    const doc: ExportDoc = {
      _id: randomUUID(),
      organizationId,
      requestedBy,
      request: parsed.data,
      status: 'QUEUED',
      progressRows: 0,
      createdAt: this.clock.now(),
    };
    await this.exports.insertOne(doc);
    return doc;
  }

  private file(doc: Pick<ExportDoc, '_id' | 'request'>): string {
    return path.join(this.options.dir, `${doc._id}.${FILE_EXTENSIONS[doc.request.format]}`);
  }

  /** The job body: idempotent (a re-run rewrites the same file). */
  async run(exportId: string): Promise<ExportDoc> {
    const doc = await this.exports.findOne({ _id: exportId });
    if (!doc) throw new AppError('NOT_FOUND', `Export ${exportId} does not exist.`);
    if (doc.status === 'DONE') return doc;
    await this.exports.updateOne({ _id: exportId }, { $set: { status: 'RUNNING', progressRows: 0 } });
    try {
      mkdirSync(this.options.dir, { recursive: true });
      const filter = parseReportFilter(doc.organizationId, doc.request.filter);
      const table = await buildReportTable(doc.request.report as ReportKind, filter, this.analytics, {
        granularity: doc.request.granularity,
        timezone: doc.request.timezone,
      });
      let pending = Promise.resolve();
      const result = await writeExport(doc.request.format, table, createWriteStream(this.file(doc)), {
        progressEvery: 10_000,
        onProgress: (rows) => {
          pending = pending.then(async () => {
            await this.exports.updateOne({ _id: exportId }, { $set: { progressRows: rows } });
          });
        },
      });
      await pending;
      const set = {
        status: 'DONE' as const,
        rows: result.rows,
        progressRows: result.rows,
        bytes: statSync(this.file(doc)).size,
        finishedAt: this.clock.now(),
      };
      await this.exports.updateOne({ _id: exportId }, { $set: set });
      return { ...doc, ...set };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.exports.updateOne(
        { _id: exportId },
        { $set: { status: 'FAILED', error: message, finishedAt: this.clock.now() } },
      );
      throw error;
    }
  }

  /** The export of the caller's organisation, with a fresh signed URL once it is done. */
  async status(
    organizationId: string,
    exportId: string,
  ): Promise<ExportDoc & { downloadUrl: string | null; expiresAt: Date | null }> {
    const doc = await this.exports.findOne({ _id: exportId, organizationId });
    if (!doc) throw new AppError('NOT_FOUND', `Export ${exportId} does not exist in your organisation.`);
    if (doc.status !== 'DONE') return { ...doc, downloadUrl: null, expiresAt: null };
    const expires = this.clock.now().getTime() + this.ttl;
    const url = new URL(`/analytics/exports/${doc._id}`, this.options.baseUrl);
    url.searchParams.set('expires', String(expires));
    url.searchParams.set('signature', this.sign(doc._id, expires));
    return { ...doc, downloadUrl: url.toString(), expiresAt: new Date(expires) };
  }

  private sign(id: string, expires: number): string {
    return createHmac('sha256', this.options.secret).update(`${id}.${expires}`).digest('base64url');
  }

  /** Checks a download URL's signature and expiry; returns the file to send. */
  async open(id: string, expires: string, signature: string) {
    const exp = Number(expires);
    const expected = Buffer.from(this.sign(id, exp));
    const given = Buffer.from(signature);
    if (!Number.isSafeInteger(exp) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AppError(
        'FORBIDDEN',
        'This download link is not valid. Ask for the export status again for a new link.',
      );
    }
    if (exp < this.clock.now().getTime()) {
      throw new AppError(
        'FORBIDDEN',
        'This download link has expired. Ask for the export status again for a new link.',
        {
          status: 410,
        },
      );
    }
    const doc = await this.exports.findOne({ _id: id, status: 'DONE' });
    if (!doc) throw new AppError('NOT_FOUND', 'This export no longer exists.');
    const format = doc.request.format;
    return {
      stream: createReadStream(this.file(doc)),
      contentType: CONTENT_TYPES[format],
      filename: `${doc.request.report.toLowerCase()}-${doc._id.slice(0, 8)}.${FILE_EXTENSIONS[format]}`,
    };
  }
}

/** Registers the agenda job; the payload is validated when it runs. */
export function defineExportJob(
  agenda: { define(name: string, handler: (job: { attrs: { data: unknown } }) => Promise<void>): unknown },
  service: ExportJobService,
): void {
  agenda.define(EXPORT_JOB, async (job) => {
    const { exportId } = exportJobSchema.parse(job.attrs.data);
    await service.run(exportId);
  });
}

/** A fetch-style handler for GET /analytics/exports/:id?expires=..&signature=..; null for other paths. */
export function createExportDownloadHandler(service: ExportJobService) {
  return async (request: Request): Promise<Response | null> => {
    const url = new URL(request.url);
    const match = /^\/analytics\/exports\/([0-9a-f-]{36})$/.exec(url.pathname);
    if (!match || request.method !== 'GET') return null;
    try {
      const file = await service.open(
        match[1] as string,
        url.searchParams.get('expires') ?? '',
        url.searchParams.get('signature') ?? '',
      );
      return new Response(Readable.toWeb(file.stream) as ReadableStream, {
        headers: {
          'content-type': file.contentType,
          'content-disposition': `attachment; filename="${file.filename}"`,
          'cache-control': 'private, no-store',
        },
      });
    } catch (error) {
      const e = error instanceof AppError ? error : new AppError('INTERNAL_SERVER_ERROR', 'Download failed.');
      return Response.json({ error: { code: e.code, message: e.message } }, { status: e.status });
    }
  };
}
