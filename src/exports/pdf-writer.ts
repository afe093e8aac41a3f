/**
 * PDF export with pdfkit (pure JS, no browser): title, a summary table, a small bar chart drawn with
 * vector shapes, then the rows as a table. A PDF is for reading, not for data interchange, so it
 * holds at most `PDF_MAX_ROWS` rows (default 1,000); the rest of the input is still consumed and
 * counted, and the last page says how many rows were left out and to use CSV or XLSX for all of them.
 */
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import { drawBarChart } from './pdf-chart';
import { cellText, progressTicker, type ExportTable, type WriteOptions, type WriteResult } from './table';

export const PDF_MAX_ROWS = 1_000;

export interface PdfOptions extends WriteOptions {
  maxRows?: number;
  generatedAt?: Date;
}

const MARGIN = 36;
const ROW_HEIGHT = 12;

export async function writePdf(
  table: ExportTable,
  out: Writable,
  options: PdfOptions = {},
): Promise<WriteResult> {
  const maxRows = Math.max(0, options.maxRows ?? PDF_MAX_ROWS);
  const progress = progressTicker(options);
  const landscape = table.columns.length > 5;
  const doc = new PDFDocument({
    size: 'A4',
    layout: landscape ? 'landscape' : 'portrait',
    margin: MARGIN,
    info: { Title: table.title, Producer: 'ai-spend-platform', Creator: 'ai-spend-platform' },
  });
  // pdfkit ends `out` when the document ends; `finished` also rejects if the destination fails.
  const closed = finished(out);
  doc.pipe(out);
  const pageWidth = doc.page.width - 2 * MARGIN;
  const bottom = () => doc.page.height - MARGIN - ROW_HEIGHT;

  let y = MARGIN;
  doc.font('Helvetica-Bold').fontSize(16).text(table.title, MARGIN, y, { width: pageWidth });
  y = doc.y + 2;
  doc
    .font('Helvetica')
    .fontSize(8)
    .fillColor('#444444')
    .text(`Generated ${(options.generatedAt ?? new Date()).toISOString()}`, MARGIN, y);
  doc.fillColor('black');
  y = doc.y + 10;

  if (table.summary?.length) {
    doc.font('Helvetica-Bold').fontSize(10).text('Summary', MARGIN, y);
    y = doc.y + 4;
    for (const item of table.summary) {
      doc.font('Helvetica').fontSize(9).text(item.label, MARGIN, y, { width: 180, lineBreak: false });
      doc.font('Helvetica-Bold').text(item.value, MARGIN + 190, y, { width: 200, lineBreak: false });
      y += ROW_HEIGHT + 1;
    }
    y += 8;
  }

  if (table.chart) {
    y = drawBarChart(doc, table.chart, { x: MARGIN, y, width: pageWidth, height: 150 }) + 12;
  }

  const colWidth = pageWidth / Math.max(1, table.columns.length);
  const drawHeader = () => {
    doc.font('Helvetica-Bold').fontSize(8);
    table.columns.forEach((c, i) => {
      doc.text(c.header, MARGIN + i * colWidth, y, { width: colWidth - 4, lineBreak: false, ellipsis: true });
    });
    y += ROW_HEIGHT;
    doc
      .moveTo(MARGIN, y - 2)
      .lineTo(MARGIN + pageWidth, y - 2)
      .lineWidth(0.5)
      .strokeColor('#888888')
      .stroke();
    doc.font('Helvetica').fontSize(8);
  };

  if (y > bottom() - 2 * ROW_HEIGHT) {
    doc.addPage();
    y = MARGIN;
  }
  drawHeader();
  let included = 0;
  let omitted = 0;
  for await (const row of table.rows) {
    progress.tick();
    if (included >= maxRows) {
      omitted += 1;
      continue;
    }
    if (y > bottom()) {
      doc.addPage();
      y = MARGIN;
      drawHeader();
    }
    table.columns.forEach((c, i) => {
      const align = c.kind === 'string' || c.kind === 'date' ? 'left' : 'right';
      doc.text(cellText(c, row[c.key]), MARGIN + i * colWidth, y, {
        width: colWidth - 4,
        lineBreak: false,
        ellipsis: true,
        align,
      });
    });
    y += ROW_HEIGHT;
    included += 1;
  }
  if (included === 0) doc.font('Helvetica').fontSize(9).text('No rows.', MARGIN, y);
  if (omitted > 0) {
    if (y > bottom() - ROW_HEIGHT) {
      doc.addPage();
      y = MARGIN;
    }
    doc
      .font('Helvetica-Oblique')
      .fontSize(9)
      .text(
        `Showing the first ${included} of ${included + omitted} rows; ${omitted} rows are not in this PDF. ` +
          'Export as CSV or XLSX for all rows.',
        MARGIN,
        y + 6,
        { width: pageWidth },
      );
  }
  doc.end();
  await closed;
  return { rows: progress.done(), omittedRows: omitted };
}
