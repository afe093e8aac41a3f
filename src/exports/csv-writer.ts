/**
 * CSV export (RFC 4180): comma separated, CRLF line ends, fields quoted when they contain a quote,
 * comma or line break. Text cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR)
 * are prefixed with a single quote (OWASP "CSV injection"); numeric and money columns are left as
 * they are so negative amounts stay numbers.
 */
import type { Writable } from 'node:stream';
import { writeChunk, finish } from './backpressure';
import {
  cellText,
  progressTicker,
  type ExportColumn,
  type ExportTable,
  type WriteOptions,
  type WriteResult,
} from './table';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(column: ExportColumn, text: string): string {
  const safe = column.kind === 'string' && FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Header fields are plain text: same quoting, and always protected against formulas. */
function headerField(text: string): string {
  return csvField({ key: '', header: '', kind: 'string' }, text);
}

export async function writeCsv(
  table: ExportTable,
  out: Writable,
  options: WriteOptions = {},
): Promise<WriteResult> {
  const progress = progressTicker(options);
  const { columns } = table;
  // A BOM makes Excel open the file as UTF-8; CSV parsers strip or ignore it.
  await writeChunk(out, `\uFEFF${columns.map((c) => headerField(c.header)).join(',')}\r\n`);
  // Rows are joined into ~64 KiB chunks: one write per row costs more than the formatting.
  let chunk = '';
  for await (const row of table.rows) {
    chunk += `${columns.map((c) => csvField(c, cellText(c, row[c.key]))).join(',')}\r\n`;
    progress.tick();
    if (chunk.length >= 65_536) {
      await writeChunk(out, chunk);
      chunk = '';
    }
  }
  if (chunk) await writeChunk(out, chunk);
  await finish(out);
  return { rows: progress.done() };
}
