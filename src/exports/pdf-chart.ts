/**
 * The small bar chart in PDF reports, drawn with pdfkit vector shapes (no browser, no images).
 * Long series are merged into at most `MAX_BARS` bars by summing neighbours, so the chart stays
 * readable whatever the report's length.
 */
import type PDFDocument from 'pdfkit';
import type { ChartSeries } from './table';

export const MAX_BARS = 120;

export function mergeBars(points: ChartSeries['points'], maxBars = MAX_BARS): ChartSeries['points'] {
  if (points.length <= maxBars) return points;
  const size = Math.ceil(points.length / maxBars);
  const merged: ChartSeries['points'] = [];
  for (let i = 0; i < points.length; i += size) {
    const group = points.slice(i, i + size);
    merged.push({
      label: group[0]?.label ?? '',
      value: group.reduce((s, p) => s + (Number.isFinite(p.value) ? p.value : 0), 0),
    });
  }
  return merged;
}

/** Draws the chart in the box at (x, y) and returns the y just below it. */
export function drawBarChart(
  doc: PDFKit.PDFDocument | InstanceType<typeof PDFDocument>,
  series: ChartSeries,
  box: { x: number; y: number; width: number; height: number },
): number {
  const bars = mergeBars(series.points);
  const { x, width, height } = box;
  let { y } = box;
  doc.font('Helvetica-Bold').fontSize(10).fillColor('black').text(series.title, x, y, { lineBreak: false });
  y += 16;
  const axisLeft = x + 50;
  const plotWidth = width - 50;
  const plotHeight = height - 16 - 14;
  const max = Math.max(0, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  doc.fontSize(7).font('Helvetica').fillColor('#444444');
  doc.text(formatAxis(max), x, y - 3, { width: 46, align: 'right', lineBreak: false });
  doc.text('0', x, y + plotHeight - 6, { width: 46, align: 'right', lineBreak: false });
  doc
    .moveTo(axisLeft, y)
    .lineTo(axisLeft, y + plotHeight)
    .lineTo(axisLeft + plotWidth, y + plotHeight)
    .lineWidth(0.5)
    .strokeColor('#888888')
    .stroke();
  if (bars.length > 0 && max > 0) {
    const slot = plotWidth / bars.length;
    const barWidth = Math.max(0.5, slot * 0.8);
    bars.forEach((b, i) => {
      const h = (Math.max(0, b.value) / max) * plotHeight;
      if (h > 0)
        doc
          .rect(axisLeft + i * slot + (slot - barWidth) / 2, y + plotHeight - h, barWidth, h)
          .fill('#3b6fb6');
    });
  } else {
    doc.text('No data in this period.', axisLeft + 8, y + plotHeight / 2, { lineBreak: false });
  }
  if (bars.length > 0) {
    doc.fillColor('#444444').fontSize(7);
    doc.text(bars[0]?.label ?? '', axisLeft, y + plotHeight + 3, { lineBreak: false });
    const last = bars[bars.length - 1]?.label ?? '';
    doc.text(last, axisLeft + plotWidth - 120, y + plotHeight + 3, {
      width: 120,
      align: 'right',
      lineBreak: false,
    });
  }
  doc.fillColor('black');
  return box.y + height;
}

function formatAxis(v: number): string {
  if (v >= 1000) return v.toFixed(0);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}
