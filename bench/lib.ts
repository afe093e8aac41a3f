/**
 * The benchmark reporter every `bench/*.bench.ts` file receives. A bench measures samples (ms)
 * and names a baseline measured in the same run, so ratios compare like with like on a noisy machine.
 */
export interface MeasureOptions {
  /** Name of another row measured in the same run; the table prints median and p99 ratios against it. */
  baseline?: string;
  /** Unit shown in the table; samples are milliseconds unless this says otherwise. */
  unit?: string;
  /** Free-text target, printed beside the row, e.g. "p99 <= 2 ms added". */
  target?: string;
}

export interface Row {
  suite: string;
  name: string;
  n: number;
  median: number;
  p95: number;
  p99: number;
  unit: string;
  baseline?: string;
  target?: string;
}

export interface BenchReporter {
  measure(name: string, samples: number[], options?: MeasureOptions): Row;
  /** A single figure that is not a latency distribution (throughput, backlog, ...). */
  value(name: string, value: number, unit: string, options?: { target?: string }): void;
  note(text: string): void;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function summarise(samples: number[]): { n: number; median: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

/** Times `fn` `iterations` times after `warmup` untimed runs; returns samples in ms. */
export async function sample(fn: () => unknown, iterations: number, warmup = Math.min(50, iterations)) {
  for (let i = 0; i < warmup; i += 1) await fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

export function createReporter(suite: string, rows: Row[], notes: string[]): BenchReporter {
  return {
    measure(name, samples, options = {}) {
      const row: Row = {
        suite,
        name,
        ...summarise(samples),
        unit: options.unit ?? 'ms',
        baseline: options.baseline,
        target: options.target,
      };
      rows.push(row);
      return row;
    },
    value(name, value, unit, options = {}) {
      rows.push({ suite, name, n: 1, median: value, p95: value, p99: value, unit, target: options.target });
    },
    note(text) {
      notes.push(`[${suite}] ${text}`);
    },
  };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

export function formatTable(rows: Row[]): string {
  const header = [
    'suite',
    'measurement',
    'n',
    'median',
    'p95',
    'p99',
    'unit',
    'vs baseline (median / p99)',
    'target',
  ];
  const lines = rows.map((r) => {
    const base = r.baseline ? rows.find((b) => b.suite === r.suite && b.name === r.baseline) : undefined;
    const ratio = base ? `${fmt(r.median / base.median)}x / ${fmt(r.p99 / base.p99)}x (${base.name})` : '';
    return [
      r.suite,
      r.name,
      String(r.n),
      fmt(r.median),
      fmt(r.p95),
      fmt(r.p99),
      r.unit,
      ratio,
      r.target ?? '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const render = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}
