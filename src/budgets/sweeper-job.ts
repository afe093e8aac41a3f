/**
 * The budget sweeper as a recurring agenda job: expires reservations whose process died and
 * repairs counters from the cost records. Agenda keeps one document per recurring job name and
 * locks it while it runs, so however many processes schedule it, one sweep runs at a time.
 */
import type { Logger } from '../shared/logger';
import type { BudgetSweeper } from './sweeper';

export const BUDGET_SWEEP_JOB = 'budgets.sweep';
export const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/** The part of agenda the sweeper job needs. */
export interface SweeperAgenda {
  define(name: string, handler: () => Promise<void>): unknown;
  every(interval: string | number, name: string, data?: unknown, options?: unknown): Promise<unknown>;
}

/** Defines the job (every process, so any worker can run it) and schedules it (idempotent). */
export async function scheduleBudgetSweeper(
  agenda: SweeperAgenda,
  sweeper: Pick<BudgetSweeper, 'sweep'>,
  logger: Logger,
  /** Milliseconds, or an agenda interval such as '1 minute'. */
  interval: string | number = DEFAULT_SWEEP_INTERVAL_MS,
): Promise<void> {
  agenda.define(BUDGET_SWEEP_JOB, async () => {
    const result = await sweeper.sweep();
    if (result.expired || result.repaired || result.alerts) logger.info({ ...result }, 'budget sweep');
  });
  await agenda.every(interval, BUDGET_SWEEP_JOB);
}
