/**
 * Report exports: `writeExport(format, table, out)` streams a table of rows to `out` as CSV, JSON,
 * XLSX or PDF with bounded memory. Callers (the export job, the CLI) build the `ExportTable`.
 */
import type { Writable } from 'node:stream';
import { AppError } from '../shared/errors';
import { writeCsv } from './csv-writer';
import { writeJson } from './json-writer';
import { writePdf, type PdfOptions } from './pdf-writer';
import { writeXlsx, type XlsxOptions } from './xlsx-writer';
import { EXPORT_FORMATS, type ExportFormat, type ExportTable, type WriteResult } from './table';

export * from './table';
export { writeCsv, writeJson, writePdf, writeXlsx };
export { PDF_MAX_ROWS } from './pdf-writer';
export { EXCEL_MAX_ROWS } from './xlsx-writer';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  CSV: 'text/csv; charset=utf-8',
  JSON: 'application/json; charset=utf-8',
  XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  PDF: 'application/pdf',
};

export const FILE_EXTENSIONS: Record<ExportFormat, string> = {
  CSV: 'csv',
  JSON: 'json',
  XLSX: 'xlsx',
  PDF: 'pdf',
};

export function parseExportFormat(value: string): ExportFormat {
  const upper = value.trim().toUpperCase();
  if ((EXPORT_FORMATS as readonly string[]).includes(upper)) return upper as ExportFormat;
  throw new AppError(
    'BAD_USER_INPUT',
    `Unknown export format "${value}": use one of ${EXPORT_FORMATS.join(', ')}.`,
    {
      details: { field: 'format' },
    },
  );
}

export function writeExport(
  format: ExportFormat,
  table: ExportTable,
  out: Writable,
  options: XlsxOptions & PdfOptions = {},
): Promise<WriteResult> {
  switch (format) {
    case 'CSV':
      return writeCsv(table, out, options);
    case 'JSON':
      return writeJson(table, out, options);
    case 'XLSX':
      return writeXlsx(table, out, options);
    case 'PDF':
      return writePdf(table, out, options);
  }
}
