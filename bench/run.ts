/**
 * `npm run bench [-- name ...]`: runs every `bench/<name>.bench.ts` (or only the named ones) in one
 * process, one after another, and prints one table of median, p95 and p99 with baseline ratios.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createReporter, formatTable, type BenchReporter, type Row } from './lib';

type Bench = (report: BenchReporter) => Promise<void>;

async function main() {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, '')))
    .sort();
  const rows: Row[] = [];
  const notes: string[] = [];
  let failed = 0;
  for (const file of files) {
    const suite = file.replace(/\.bench\.ts$/, '');
    process.stderr.write(`bench: ${suite} ...\n`);
    const started = Date.now();
    try {
      const mod = (await import(path.join(__dirname, file))) as { default: Bench };
      await mod.default(createReporter(suite, rows, notes));
      process.stderr.write(`bench: ${suite} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      failed += 1;
      notes.push(`[${suite}] FAILED: ${(error as Error).stack ?? String(error)}`);
    }
  }
  process.stdout.write(`${formatTable(rows)}\n`);
  if (notes.length) process.stdout.write(`\n${notes.join('\n')}\n`);
  // Benches may leave servers or timers behind; the table is printed, so end here.
  process.exit(failed ? 1 : 0);
}

void main();
