/**
 * JSON export: one document `{ title, generatedAt, columns, summary, rows: [...] }`, written
 * row by row so it never exists whole in memory. Money is a decimal string (exact), dates ISO 8601,
 * integers and numbers JSON numbers, missing values null.
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
  type CellValue,
} from './table';

function jsonCell(column: ExportColumn, value: CellValue): string | number | null {
  if (value === null || value === undefined) return null;
  if ((column.kind === 'integer' || column.kind === 'number') && typeof value === 'number') {
    return Number.isFinite(value) ? value : null;
  }
  return cellText(column, value);
}

export async function writeJson(
  table: ExportTable,
  out: Writable,
  options: WriteOptions & { generatedAt?: Date } = {},
): Promise<WriteResult> {
  const progress = progressTicker(options);
  const head = {
    title: table.title,
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    columns: table.columns.map(({ key, header, kind }) => ({ key, header, kind })),
    summary: table.summary ?? [],
  };
  const headText = JSON.stringify(head);
  await writeChunk(out, `${headText.slice(0, -1)},"rows":[\n`);
  let chunk = '';
  let first = true;
  for await (const row of table.rows) {
    const record: Record<string, string | number | null> = {};
    for (const c of table.columns) record[c.key] = jsonCell(c, row[c.key]);
    chunk += `${first ? '' : ',\n'}${JSON.stringify(record)}`;
    first = false;
    progress.tick();
    if (chunk.length >= 65_536) {
      await writeChunk(out, chunk);
      chunk = '';
    }
  }
  await writeChunk(out, `${chunk}\n]}\n`);
  await finish(out);
  return { rows: progress.done() };
}
