/**
 * CSV exports are parsed back with an independent RFC 4180 parser, and a 1M-row export must not
 * hold the rows in memory.
 */
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseFile } from '@fast-csv/parse';
import { writeCsv, writeExport, type ExportRow } from '../../src/exports';
import { columns, table, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

// Live heap, not heap plus garbage awaiting collection: how much GC lags depends on the machine's
// load, so heapUsed alone made the bound flaky. A collection before each sample leaves what is
// really retained.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const liveHeap = () => {
  collect();
  return process.memoryUsage().heapUsed;
};

function parseCsv(file: string): Promise<string[][]> {
  return new Promise((resolve, reject) => {
    const rows: string[][] = [];
    parseFile<string[], string[]>(file, { headers: false })
      .on('data', (r: string[]) => rows.push(r))
      .on('error', reject)
      .on('end', () => resolve(rows));
  });
}

describe('CSV export', () => {
  it('round-trips header, quoting, exact money and ISO dates through a CSV parser', async () => {
    const file = tmp.file('small.csv');
    const result = await writeCsv(table(5), createWriteStream(file));
    expect(result.rows).toBe(5);
    const rows = await parseCsv(file);
    // The file starts with a BOM so Excel reads UTF-8; the parser strips it.
    expect(readFileSync(file).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(rows[0]).toEqual(['Day', 'Model', 'Requests', 'Cost (USD)']);
    expect(rows[1]).toEqual(['2026-01-01T00:00:00.000Z', 'gpt-4o', '1', '0.000000007']);
    expect(rows[2]).toEqual(['2026-01-02T00:00:00.000Z', 'claude "sonnet", v4', '2', '0.000001008']);
    expect(rows).toHaveLength(6);
  });

  it('neutralises text that a spreadsheet would run as a formula, but leaves negative amounts alone', async () => {
    const file = tmp.file('formula.csv');
    const rows: ExportRow[] = [
      { day: null, model: '=HYPERLINK("http://x")', requests: -1, cost: -2_500_000_000n },
      { day: undefined, model: '@SUM(A1)', requests: Number.NaN, cost: null },
    ];
    await writeCsv({ title: 't', columns, rows }, createWriteStream(file));
    const parsed = await parseCsv(file);
    expect(parsed[1]).toEqual(['', `'=HYPERLINK("http://x")`, '-1', '-2.50']);
    expect(parsed[2]).toEqual(['', `'@SUM(A1)`, '', '']);
  });

  it('rejects a money cell that is not exact nano-USD', async () => {
    const rows = [{ day: null, model: 'm', requests: 1, cost: 0.1 }];
    await expect(
      writeCsv({ title: 't', columns, rows }, createWriteStream(tmp.file('bad.csv'))),
    ).rejects.toThrow(/money must be a bigint/);
  });

  it('fails when the destination fails instead of reporting success', async () => {
    const broken = new Writable({
      highWaterMark: 16,
      write(_chunk, _enc, cb) {
        cb(new Error('disk full'));
      },
    });
    broken.on('error', () => undefined);
    await expect(writeCsv(table(100_000), broken)).rejects.toThrow(/disk full|closed/);
  });

  it('streams 1,000,000 rows with bounded heap and every row present', async () => {
    const file = tmp.file('million.csv');
    const progress: number[] = [];
    const baseline = liveHeap();
    let peak = baseline;
    // Sample the live heap every 50,000 rows, mid-export (the writer holds whatever it buffers).
    async function* sampled() {
      let i = 0;
      for (const row of table(1_000_000).rows as Iterable<ExportRow>) {
        if (++i % 50_000 === 0) {
          await new Promise((r) => setImmediate(r));
          peak = Math.max(peak, liveHeap());
        }
        yield row;
      }
    }
    const result = await writeExport(
      'CSV',
      { title: 'big', columns, rows: sampled() },
      createWriteStream(file),
      {
        onProgress: (n) => progress.push(n),
        progressEvery: 250_000,
      },
    );
    expect(result.rows).toBe(1_000_000);
    expect(progress).toEqual([250_000, 500_000, 750_000, 1_000_000, 1_000_000]);
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(60_000_000);
    // The file is ~70 MB and the rows as objects several times that: live growth far under both
    // means neither was held in memory.
    expect(peak - baseline).toBeLessThan(16 * 1024 * 1024);

    let lines = 0;
    let last = '';
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      lines += 1;
      last = line;
    }
    expect(lines).toBe(1_000_001);
    // Row 999,999: day 999999 % 90 = 9, model index divisible by 3, 999999 * 1001 + 7 nano-USD.
    expect(last).toBe('2026-01-10T00:00:00.000Z,gpt-4o,1000000,1.000999006');
    // A million rows written and read back take ~10 s alone, more on a busy CI machine.
  }, 180_000);
});
