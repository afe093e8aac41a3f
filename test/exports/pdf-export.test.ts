/**
 * PDF exports are parsed back with pdfjs-dist (legacy build, in a child process because it is
 * ESM-only) and their text checked: title, summary, chart labels, rows and the row-cap note.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { writeExport, writePdf } from '../../src/exports';
import { mergeBars } from '../../src/exports/pdf-chart';
import { pdfText, table, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const chart = {
  title: 'Cost per day (USD)',
  points: Array.from({ length: 30 }, (_, i) => ({
    label: `2026-01-${String(i + 1).padStart(2, '0')}`,
    value: i,
  })),
};

describe('PDF export', () => {
  it('contains the title, summary, chart and rows, readable by a PDF parser', async () => {
    const file = tmp.file('report.pdf');
    const result = await writePdf(
      table(5, { summary: [{ label: 'Total cost', value: '0.000005045' }], chart }),
      createWriteStream(file),
    );
    expect(result).toEqual({ rows: 5, omittedRows: 0 });
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    const { pages, info } = await pdfText(file);
    expect(info.Title).toBe('Usage by day');
    const text = pages.flat().map((line) => line.join(' '));
    expect(text).toContain('Usage by day');
    expect(text).toContain('Total cost 0.000005045');
    expect(text).toContain('Cost per day (USD)');
    expect(text.some((l) => l.startsWith('2026-01-01') && l.includes('2026-01-30'))).toBe(true);
    expect(text).toContain('Day Model Requests Cost (USD)');
    expect(text).toContain('2026-01-01T00:00:00.000Z gpt-4o 1 0.000000007');
    expect(text).toContain('2026-01-05T00:00:00.000Z claude "sonnet", v4 5 0.000004011');
  });

  it('caps the rows, paginates them, and says how many were left out', async () => {
    const file = tmp.file('capped.pdf');
    const result = await writeExport('PDF', table(250), createWriteStream(file), { maxRows: 120 });
    expect(result).toEqual({ rows: 250, omittedRows: 130 });
    const { pages } = await pdfText(file);
    expect(pages.length).toBeGreaterThan(1);
    const text = pages.flat().map((line) => line.join(' '));
    // The header repeats on each page; the 120th row is there, the 121st is not.
    expect(text.filter((l) => l === 'Day Model Requests Cost (USD)')).toHaveLength(pages.length);
    expect(text.some((l) => l.includes(' 120 0.000119126'))).toBe(true);
    expect(text.some((l) => l.includes(' 121 '))).toBe(false);
    expect(text.join(' ')).toMatch(/Showing the first 120 of 250 rows; 130 rows are not in this PDF/);
  });

  it('says so when there are no rows and no data for the chart', async () => {
    const file = tmp.file('empty.pdf');
    await writePdf(table(0, { chart: { title: 'Cost', points: [] } }), createWriteStream(file));
    const text = (await pdfText(file)).pages.flat().map((l) => l.join(' '));
    expect(text).toContain('No rows.');
    expect(text).toContain('No data in this period.');
  });

  it('merges long series into a bounded number of bars without losing their total', () => {
    const points = Array.from({ length: 365 }, (_, i) => ({ label: String(i), value: 1 }));
    const bars = mergeBars(points, 100);
    expect(bars.length).toBeLessThanOrEqual(100);
    expect(bars.reduce((s, b) => s + b.value, 0)).toBe(365);
    expect(mergeBars(points.slice(0, 10), 100)).toHaveLength(10);
  });
});
