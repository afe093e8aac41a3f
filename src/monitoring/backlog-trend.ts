/**
 * "A queue backlog growing for N minutes": keeps each job's recent backlog readings
 * and reports jobs whose backlog never shrank over a span of at least N minutes and is
 * larger at the end than at the start.
 */
import type { QueueState } from './instruments';

export interface GrowingBacklog {
  job: string;
  from: number;
  to: number;
  sinceMs: number;
}

export class BacklogTrend {
  private readonly readings = new Map<string, { at: number; backlog: number }[]>();

  constructor(private readonly spanMs: number) {}

  add(at: number, states: QueueState[]): void {
    const seen = new Set<string>();
    for (const s of states) {
      seen.add(s.job);
      const list = this.readings.get(s.job) ?? [];
      list.push({ at, backlog: s.backlog });
      // Keep one reading older than the span, so "grew for N minutes" can be decided.
      while (list.length > 2 && (list[1]?.at ?? at) <= at - this.spanMs) list.shift();
      this.readings.set(s.job, list);
    }
    // A job absent from the reading has an empty backlog.
    for (const [job, list] of this.readings) if (!seen.has(job)) list.push({ at, backlog: 0 });
  }

  growing(): GrowingBacklog[] {
    const out: GrowingBacklog[] = [];
    for (const [job, list] of this.readings) {
      const first = list[0];
      const last = list[list.length - 1];
      if (!first || !last || last.at - first.at < this.spanMs) continue;
      const neverShrank = list.every((r, i) => i === 0 || r.backlog >= (list[i - 1]?.backlog ?? 0));
      if (neverShrank && last.backlog > first.backlog) {
        out.push({ job, from: first.backlog, to: last.backlog, sinceMs: last.at - first.at });
      }
    }
    return out;
  }
}
