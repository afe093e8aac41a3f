/** Shared helpers for the export tests: temp files, a generated report table and a PDF text reader. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ExportColumn, ExportRow, ExportTable } from '../../src/exports';

export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exports-test-'));
  return {
    dir,
    file: (name) => path.join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const columns: ExportColumn[] = [
  { key: 'day', header: 'Day', kind: 'date' },
  { key: 'model', header: 'Model', kind: 'string' },
  { key: 'requests', header: 'Requests', kind: 'integer' },
  { key: 'cost', header: 'Cost (USD)', kind: 'money' },
];

/** Deterministic rows generated lazily: row i has i+1 requests and costs (i * 1001 + 7) nano-USD. */
export function* generateRows(count: number): Generator<ExportRow> {
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i += 1) {
    yield {
      day: new Date(start + (i % 90) * 86_400_000),
      model: i % 3 === 0 ? 'gpt-4o' : 'claude "sonnet", v4',
      requests: i + 1,
      cost: BigInt(i) * 1001n + 7n,
    };
  }
}

export function table(count: number, extra: Partial<ExportTable> = {}): ExportTable {
  return { title: 'Usage by day', columns, rows: generateRows(count), ...extra };
}

const run = promisify(execFile);

export async function pdfText(file: string): Promise<{ pages: string[][][]; info: Record<string, unknown> }> {
  const { stdout } = await run(process.execPath, [path.join(__dirname, 'pdf-text.mjs'), file], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as { pages: string[][][]; info: Record<string, unknown> };
}
