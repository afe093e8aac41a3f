/**
 * The shape every export writer consumes: a titled table whose rows arrive as an async iterable,
 * so a report of any size can be written with bounded memory. Cells are typed by their column so
 * each format can render money exactly (nano-USD `bigint` printed as a decimal string) and dates
 * in ISO 8601.
 */
import { formatUsd } from '../shared/money';

export type ExportFormat = 'CSV' | 'JSON' | 'XLSX' | 'PDF';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['CSV', 'JSON', 'XLSX', 'PDF'];

export type ColumnKind = 'string' | 'integer' | 'number' | 'money' | 'date';

export interface ExportColumn {
  key: string;
  header: string;
  kind: ColumnKind;
}

export type CellValue = string | number | bigint | Date | null | undefined;
export type ExportRow = Record<string, CellValue>;

/** One labelled figure for the PDF summary table and the JSON header. */
export interface SummaryItem {
  label: string;
  value: string;
}

/** A small series the PDF draws as a bar chart (e.g. cost per day). */
export interface ChartSeries {
  title: string;
  points: { label: string; value: number }[];
}

export interface ExportTable {
  title: string;
  columns: ExportColumn[];
  rows: AsyncIterable<ExportRow> | Iterable<ExportRow>;
  summary?: SummaryItem[];
  chart?: ChartSeries;
}

export interface WriteOptions {
  /** Called every `progressEvery` rows and once at the end with the number of rows written. */
  onProgress?: (rowsWritten: number) => void;
  progressEvery?: number;
}

export interface WriteResult {
  rows: number;
  /** PDF only: rows present in the input but left out of the document (see `pdf-writer.ts`). */
  omittedRows?: number;
  /** XLSX only: number of worksheets the rows were spread over. */
  sheets?: number;
}

/** Renders a cell as text the same way in every format, so CSV, JSON and PDF agree to the character. */
export function cellText(column: ExportColumn, value: CellValue): string {
  if (value === null || value === undefined) return '';
  switch (column.kind) {
    case 'money':
      if (typeof value !== 'bigint')
        throw new TypeError(`column ${column.key}: money must be a bigint of nano-USD`);
      return formatUsd(value);
    case 'date':
      return value instanceof Date ? value.toISOString() : String(value);
    case 'integer':
    case 'number':
      return typeof value === 'number' && !Number.isFinite(value) ? '' : String(value);
    default:
      return value instanceof Date ? value.toISOString() : String(value);
  }
}

/** Reports progress at a fixed row interval; writers call `tick()` per row and `done()` at the end. */
export function progressTicker(options: WriteOptions) {
  const every = Math.max(1, options.progressEvery ?? 10_000);
  let rows = 0;
  return {
    tick() {
      rows += 1;
      if (options.onProgress && rows % every === 0) options.onProgress(rows);
    },
    done() {
      options.onProgress?.(rows);
      return rows;
    },
    get rows() {
      return rows;
    },
  };
}
