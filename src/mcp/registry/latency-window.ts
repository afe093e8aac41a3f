/**
 * Recent call latencies per server (a fixed ring of the last N), for the p50/p95 figures that
 * `status()` and the GraphQL `mcpServers` query report. Totals are kept separately and never reset.
 */
import { percentile } from './percentile';

export class LatencyWindow {
  private readonly samples: number[] = [];
  private next = 0;
  total = 0;
  errors = 0;

  constructor(private readonly size = 256) {}

  record(ms: number, failed: boolean): void {
    this.total += 1;
    if (failed) this.errors += 1;
    if (this.samples.length < this.size) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.size;
  }

  summary(): { total: number; errors: number; p50Ms?: number; p95Ms?: number } {
    if (this.samples.length === 0) return { total: this.total, errors: this.errors };
    const sorted = [...this.samples].sort((a, b) => a - b);
    return {
      total: this.total,
      errors: this.errors,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
    };
  }
}
