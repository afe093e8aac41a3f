/**
 * Recent samples per (component, subject), kept for the longest window anyone asks
 * about, so p95 over "the last N minutes" is exact rather than a bucket estimate.
 * Time comes from the injectable clock; memory is bounded per key (oldest dropped).
 */
import type { Component } from './components';
import { statsOf, type LatencyStats } from './percentiles';

interface Sample {
  at: number;
  ms: number;
  errorCode?: string;
}

export interface SeriesStats extends LatencyStats {
  component: Component;
  subject: string;
  errorsByCode: Record<string, number>;
}

export class SampleWindow {
  private readonly series = new Map<string, { component: Component; subject: string; samples: Sample[] }>();

  constructor(
    private readonly retainMs: number,
    private readonly maxSamplesPerSeries = 5000,
  ) {}

  add(component: Component, subject: string, at: number, ms: number, errorCode?: string): void {
    const key = `${component}\u0000${subject}`;
    let entry = this.series.get(key);
    if (!entry) {
      entry = { component, subject, samples: [] };
      this.series.set(key, entry);
    }
    entry.samples.push(errorCode ? { at, ms, errorCode } : { at, ms });
    // Trim in batches: dropping the oldest sample on every add moves the whole array each
    // time, which a hot series pays on every record. Readers look at the newest `max` only.
    if (entry.samples.length >= this.maxSamplesPerSeries * 2)
      entry.samples.splice(0, entry.samples.length - this.maxSamplesPerSeries);
  }

  /** The newest samples of a series, at most the cap. */
  private recent(samples: Sample[]): Sample[] {
    return samples.length > this.maxSamplesPerSeries ? samples.slice(-this.maxSamplesPerSeries) : samples;
  }

  /** Drops samples older than the retention; call before reading. */
  prune(now: number): void {
    const oldest = now - this.retainMs;
    for (const [key, entry] of this.series) {
      const firstKept = entry.samples.findIndex((s) => s.at >= oldest);
      if (firstKept === -1) this.series.delete(key);
      else {
        const drop = Math.max(firstKept, entry.samples.length - this.maxSamplesPerSeries);
        if (drop > 0) entry.samples.splice(0, drop);
      }
    }
  }

  /** Stats over every sample of the matching series in [from, to), merged. */
  merged(
    from: number,
    to: number,
    keep: (component: Component, subject: string) => boolean,
  ): LatencyStats & {
    series: number;
    errorsByCode: Record<string, number>;
  } {
    const durations: number[] = [];
    const errorsByCode: Record<string, number> = {};
    let series = 0;
    for (const entry of this.series.values()) {
      if (!keep(entry.component, entry.subject)) continue;
      let any = false;
      for (const s of this.recent(entry.samples)) {
        if (s.at < from || s.at >= to) continue;
        any = true;
        durations.push(s.ms);
        if (s.errorCode) errorsByCode[s.errorCode] = (errorsByCode[s.errorCode] ?? 0) + 1;
      }
      if (any) series += 1;
    }
    const errors = Object.values(errorsByCode).reduce((a, b) => a + b, 0);
    return { ...statsOf(durations, errors), series, errorsByCode };
  }

  /** Stats per series over [from, to). */
  stats(from: number, to: number, component?: Component): SeriesStats[] {
    const out: SeriesStats[] = [];
    for (const entry of this.series.values()) {
      if (component && entry.component !== component) continue;
      const inRange = this.recent(entry.samples).filter((s) => s.at >= from && s.at < to);
      if (inRange.length === 0) continue;
      const errorsByCode: Record<string, number> = {};
      for (const s of inRange)
        if (s.errorCode) errorsByCode[s.errorCode] = (errorsByCode[s.errorCode] ?? 0) + 1;
      const errors = Object.values(errorsByCode).reduce((a, b) => a + b, 0);
      out.push({
        component: entry.component,
        subject: entry.subject,
        errorsByCode,
        ...statsOf(
          inRange.map((s) => s.ms),
          errors,
        ),
      });
    }
    return out;
  }
}
