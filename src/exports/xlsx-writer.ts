/**
 * XLSX export through exceljs's streaming `WorkbookWriter`: each row is committed (serialised into
 * the zip) as soon as it is written, and a sheet is committed before the next one starts, so memory
 * does not grow with the row count. Excel stops at 1,048,576 rows per sheet; past that the rows
 * continue on "<title> (2)", "<title> (3)", ... each with its own header row.
 * Money cells are numbers (so SUM works) with a 2-9 decimal format; they are exact up to 15
 * significant digits (under $1M at nano precision), which is Excel's own limit for any number.
 */
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { waitForDrain } from './backpressure';
import {
  cellText,
  progressTicker,
  type CellValue,
  type ExportColumn,
  type ExportTable,
  type WriteOptions,
  type WriteResult,
} from './table';

export const EXCEL_MAX_ROWS = 1_048_576;

export interface XlsxOptions extends WriteOptions {
  /** Rows per sheet including the header; Excel's limit unless a test needs a smaller one. */
  maxRowsPerSheet?: number;
}

function xlsxCell(column: ExportColumn, value: CellValue): string | number | Date | null {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'money':
      return Number(cellText(column, value));
    case 'integer':
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    case 'date':
      return value instanceof Date ? value : cellText(column, value);
    default:
      return cellText(column, value);
  }
}

/** Excel sheet names: at most 31 characters, none of : \ / ? * [ ]. */
export function sheetName(title: string, index: number): string {
  const base = title.replace(/[:\\/?*[\]]/g, ' ').trim() || 'Report';
  const suffix = index === 1 ? '' : ` (${index})`;
  return `${base.slice(0, 31 - suffix.length)}${suffix}`;
}

export async function writeXlsx(
  table: ExportTable,
  out: Writable,
  options: XlsxOptions = {},
): Promise<WriteResult> {
  const maxRows = Math.min(EXCEL_MAX_ROWS, Math.max(2, options.maxRowsPerSheet ?? EXCEL_MAX_ROWS));
  const progress = progressTicker(options);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  workbook.creator = 'ai-spend-platform';
  const widths = table.columns.map((c) => (c.kind === 'date' ? 24 : Math.max(12, c.header.length + 2)));
  let sheets = 0;
  let rowsInSheet = 0;

  const openSheet = (): ExcelJS.Worksheet => {
    sheets += 1;
    const sheet = workbook.addWorksheet(sheetName(table.title, sheets), {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    sheet.columns = table.columns.map((c, i) => ({
      key: c.key,
      width: widths[i],
      style:
        c.kind === 'money'
          ? { numFmt: '0.00#######' }
          : c.kind === 'date'
            ? { numFmt: 'yyyy-mm-dd hh:mm:ss' }
            : {},
    }));
    const header = sheet.addRow(table.columns.map((c) => c.header));
    header.font = { bold: true };
    header.commit();
    rowsInSheet = 1;
    return sheet;
  };

  let sheet = openSheet();
  for await (const row of table.rows) {
    if (rowsInSheet >= maxRows) {
      // Committing finishes the sheet's zip entry, so the next sheet is not buffered behind it.
      sheet.commit();
      sheet = openSheet();
    }
    sheet.addRow(table.columns.map((c) => xlsxCell(c, row[c.key]))).commit();
    rowsInSheet += 1;
    progress.tick();
    if (out.writableNeedDrain) await waitForDrain(out);
  }
  sheet.commit();
  await workbook.commit();
  return { rows: progress.done(), sheets };
}
