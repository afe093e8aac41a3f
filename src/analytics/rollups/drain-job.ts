/**
 * The agenda job that drains the rollup inbox. Listeners request it after queuing something;
 * requests are coalesced (one queued job covers every request until it starts), and a sweep every
 * minute picks up lost requests, expired batch leases and abandoned rebuilds.
 */
import type { RollupService } from './rollup-service';

export const ROLLUP_DRAIN_JOB = 'analytics.rollup-drain';
/** Requests within this window of a queued, not yet started drain ride along with it. */
const COALESCE_MS = 100;

export interface DrainAgenda {
  define(name: string, handler: (job: { attrs: { data: unknown } }) => Promise<void>): unknown;
  now(name: string, data: unknown): Promise<unknown>;
  every(interval: string, name: string, data: unknown, options?: unknown): Promise<unknown>;
}

export function defineRollupDrainJob(
  agenda: DrainAgenda,
  rollups: RollupService,
): { request(): Promise<void>; scheduleSweep(): Promise<void> } {
  let pendingUntil = 0;
  agenda.define(ROLLUP_DRAIN_JOB, async () => {
    pendingUntil = 0;
    await rollups.drain();
  });
  return {
    async request() {
      const now = Date.now();
      if (now < pendingUntil) return;
      pendingUntil = now + COALESCE_MS;
      await agenda.now(ROLLUP_DRAIN_JOB, {});
    },
    async scheduleSweep() {
      await agenda.every('1 minute', ROLLUP_DRAIN_JOB, {});
    },
  };
}
