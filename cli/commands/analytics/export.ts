/**
 * `ai analytics export --report USAGE --format XLSX --out usage.xlsx --organization org_1 --from ... --to ...`:
 * writes the same report files the `exportReport` mutation produces, streaming, with a progress
 * line on stderr every 10,000 rows.
 */
import { createWriteStream } from 'node:fs';
import { Flags } from '@oclif/core';
import { openAnalytics } from '../../../src/analytics/analytics-runtime';
import {
  buildReportTable,
  REPORT_KINDS,
  type ReportKind,
} from '../../../src/analytics/exports/report-tables';
import { parseReportFilter } from '../../../src/analytics/reports/report-filter';
import { EXPORT_FORMATS, parseExportFormat, writeExport } from '../../../src/exports';
import { McpCommand } from '../../lib/base-command';

export default class AnalyticsExport extends McpCommand {
  static override description = 'Export an analytics report as CSV, JSON, XLSX or PDF.';

  static override examples = [
    '<%= config.bin %> analytics export --organization org_1 --report USAGE --format PDF --out usage.pdf --from 2026-01-01 --to 2026-02-01',
    '<%= config.bin %> analytics export --organization org_1 --report COST_RECORDS --format CSV --out records.csv --from 2026-01-01 --to 2026-02-01',
  ];

  static override flags = {
    organization: Flags.string({ description: 'Organisation to report on.', required: true }),
    report: Flags.string({ description: 'Which report.', options: [...REPORT_KINDS], default: 'USAGE' }),
    format: Flags.string({ description: `File format: ${EXPORT_FORMATS.join(', ')}.`, default: 'CSV' }),
    out: Flags.string({ description: 'File to write.', required: true }),
    from: Flags.string({ description: 'Start of the range (ISO date-time, inclusive).', required: true }),
    to: Flags.string({ description: 'End of the range (ISO date-time, exclusive).', required: true }),
    project: Flags.string({ description: 'Only this project.' }),
    granularity: Flags.string({
      options: ['HOUR', 'DAY'],
      default: 'DAY',
      description: 'USAGE series buckets.',
    }),
    timezone: Flags.string({ default: 'UTC', description: 'IANA time zone for USAGE day buckets.' }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(AnalyticsExport);
    const format = parseExportFormat(flags.format);
    const filter = parseReportFilter(flags.organization, {
      from: flags.from,
      to: flags.to,
      projectId: flags.project,
    });
    const analytics = await openAnalytics();
    try {
      const table = await buildReportTable(flags.report as ReportKind, filter, analytics, {
        granularity: flags.granularity as 'HOUR' | 'DAY',
        timezone: flags.timezone,
      });
      this.progress.start(`Writing ${flags.report} as ${format} to ${flags.out}`);
      const started = Date.now();
      const result = await writeExport(format, table, createWriteStream(flags.out), {
        progressEvery: 10_000,
        onProgress: (rows) => {
          if (!this.jsonEnabled()) this.progress.info(`  ${rows} rows`);
        },
      });
      this.progress.done(`Wrote ${result.rows} rows`, Date.now() - started);
      if (result.omittedRows)
        this.progress.info(`  ${result.omittedRows} rows left out of the PDF (see its last page)`);
      return { ok: true, file: flags.out, format, report: flags.report, ...result };
    } finally {
      await analytics.close();
    }
  }
}
