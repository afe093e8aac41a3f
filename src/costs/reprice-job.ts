/**
 * Repricing as a background job (`costs:reprice`): `setModelPrice` records the price and queues
 * this job, so the mutation returns at once however many requests the model has; the job writes
 * the adjustment records (idempotent per price version, so a job that runs twice writes nothing
 * the second time) and announces them on costUpdates.
 *
 * Each price change queues two runs: one now, and one `followUpMs` later. A cost-tracking batch
 * that read prices just before the new price was stored may write its charge just after the first
 * run looked; the second run reprices that charge. The payload is validated when queued and again
 * when the job runs.
 */
import type { Agenda } from 'agenda';
import { z } from 'zod';

import { ValidationError } from '../shared/errors';
import type { CostRecord } from './cost-record';
import type { RepriceQueue, RepriceScope } from './cost-tracking-service';

export const REPRICE_JOB = 'costs:reprice';

/** The part of agenda repricing uses. */
export type RepriceAgenda = Pick<Agenda, 'define' | 'create'>;

const scopeSchema = z.object({
  organizationId: z.string().min(1),
  provider: z.string().min(1),
  model: z.string().min(1),
});

function parseScope(data: unknown): RepriceScope {
  const parsed = scopeSchema.safeParse(data);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((i) => ({ field: `job.${i.path.join('.')}`, message: i.message })),
    );
  }
  return parsed.data;
}

export interface RepriceJobOptions {
  /** Delay of the second run (default 2 minutes: longer than a cost-tracking batch takes). */
  followUpMs?: number;
  lockLifetimeMs?: number;
  now?: () => Date;
}

/** Defines the job and returns the queue `CostTrackingService` hands price changes to. */
export function defineRepriceJob(
  agenda: RepriceAgenda,
  reprice: (scope: RepriceScope) => Promise<CostRecord[]>,
  options: RepriceJobOptions = {},
): RepriceQueue {
  const followUpMs = options.followUpMs ?? 120_000;
  const now = options.now ?? (() => new Date());
  agenda.define(
    REPRICE_JOB,
    async (job) => {
      await reprice(parseScope(job.attrs.data));
    },
    {
      concurrency: 1,
      lockLifetime: options.lockLifetimeMs ?? 10 * 60_000,
      // A payload that fails validation fails the same way next time: do not retry it.
      backoff: (ctx) =>
        ctx.error instanceof ValidationError ? null : Math.min(60_000, 1000 * 2 ** ctx.attempt),
    },
  );
  return {
    async enqueue(scope) {
      const data = parseScope(scope);
      const at = now();
      await agenda.create(REPRICE_JOB, data).schedule(at).save();
      await agenda
        .create(REPRICE_JOB, data)
        .schedule(new Date(at.getTime() + followUpMs))
        .save();
    },
  };
}
