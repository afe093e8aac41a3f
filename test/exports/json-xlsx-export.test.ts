/** JSON and XLSX exports are read back with a JSON parser and exceljs's reader and checked cell by cell. */
import { createWriteStream, readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import {
  writeExport,
  writeJson,
  writeXlsx,
  parseExportFormat,
  CONTENT_TYPES,
  FILE_EXTENSIONS,
} from '../../src/exports';
import { sheetName } from '../../src/exports/xlsx-writer';
import { table, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('JSON export', () => {
  it('writes one valid document with typed cells and the summary', async () => {
    const file = tmp.file('report.json');
    const result = await writeJson(
      table(3, { summary: [{ label: 'Total cost', value: '0.000003017' }] }),
      createWriteStream(file),
      { generatedAt: new Date('2026-02-01T00:00:00Z') },
    );
    expect(result.rows).toBe(3);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.title).toBe('Usage by day');
    expect(doc.generatedAt).toBe('2026-02-01T00:00:00.000Z');
    expect(doc.summary).toEqual([{ label: 'Total cost', value: '0.000003017' }]);
    expect(doc.columns.map((c: { key: string }) => c.key)).toEqual(['day', 'model', 'requests', 'cost']);
    expect(doc.rows).toEqual([
      { day: '2026-01-01T00:00:00.000Z', model: 'gpt-4o', requests: 1, cost: '0.000000007' },
      { day: '2026-01-02T00:00:00.000Z', model: 'claude "sonnet", v4', requests: 2, cost: '0.000001008' },
      { day: '2026-01-03T00:00:00.000Z', model: 'claude "sonnet", v4', requests: 3, cost: '0.000002009' },
    ]);
  });

  it('writes an empty rows array when there is nothing to export', async () => {
    const file = tmp.file('empty.json');
    await writeExport('JSON', table(0), createWriteStream(file));
    expect(JSON.parse(readFileSync(file, 'utf8')).rows).toEqual([]);
  });

  it('writes missing or non-finite numbers as null', async () => {
    const file = tmp.file('nulls.json');
    const rows = [{ day: null, model: undefined, requests: Number.POSITIVE_INFINITY, cost: null }];
    await writeJson({ ...table(0), rows }, createWriteStream(file));
    expect(JSON.parse(readFileSync(file, 'utf8')).rows).toEqual([
      { day: null, model: null, requests: null, cost: null },
    ]);
  });
});

describe('XLSX export', () => {
  it('writes typed cells that exceljs reads back, with money exact to the nano-dollar', async () => {
    const file = tmp.file('report.xlsx');
    const result = await writeXlsx(table(4), createWriteStream(file));
    expect(result).toEqual({ rows: 4, sheets: 1 });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('Usage by day');
    expect(ws.getRow(1).values).toEqual([undefined, 'Day', 'Model', 'Requests', 'Cost (USD)']);
    expect(ws.getCell('A2').value).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(ws.getCell('B3').value).toBe('claude "sonnet", v4');
    expect(ws.getCell('C5').value).toBe(4);
    expect(ws.getCell('D4').value).toBe(0.000002009);
    expect(String(ws.getCell('D4').value)).toBe('0.000002009');
    expect(ws.getCell('D4').numFmt).toBe('0.00#######');
    expect(ws.rowCount).toBe(5);
  });

  it('continues on a new sheet, with its own header, past the per-sheet row limit', async () => {
    const file = tmp.file('spill.xlsx');
    const result = await writeExport('XLSX', table(25), createWriteStream(file), { maxRowsPerSheet: 10 });
    expect(result).toEqual({ rows: 25, sheets: 3 });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => [w.name, w.rowCount])).toEqual([
      ['Usage by day', 10],
      ['Usage by day (2)', 10],
      ['Usage by day (3)', 8],
    ]);
    expect(wb.worksheets[1]!.getCell('A1').value).toBe('Day');
    // Row 10 of the data (requests = 10) is the first data row of sheet 2.
    expect(wb.worksheets[1]!.getCell('C2').value).toBe(10);
    expect(wb.worksheets[2]!.getCell('C8').value).toBe(25);
  });

  it('makes sheet names Excel accepts', () => {
    expect(sheetName('Spend: a/b [draft]?', 1)).toBe('Spend  a b  draft');
    expect(sheetName('x'.repeat(40), 12)).toBe(`${'x'.repeat(26)} (12)`);
    expect(sheetName('///', 1)).toBe('Report');
  });
});

describe('format names', () => {
  it('parses formats case-insensitively and rejects unknown ones with a stable code', () => {
    expect(parseExportFormat(' xlsx ')).toBe('XLSX');
    expect(() => parseExportFormat('docx')).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(CONTENT_TYPES.PDF).toBe('application/pdf');
    expect(FILE_EXTENSIONS.CSV).toBe('csv');
  });
});
