import { createLogger } from '../shared/logger';
import { BUDGET_SWEEP_JOB, scheduleBudgetSweeper } from './sweeper-job';

function fakeAgenda() {
  const handlers = new Map<string, () => Promise<void>>();
  const scheduled: [string | number, string][] = [];
  return {
    handlers,
    scheduled,
    define: (name: string, handler: () => Promise<void>) => handlers.set(name, handler),
    every: async (interval: string | number, name: string) => {
      scheduled.push([interval, name]);
    },
  };
}

describe('scheduleBudgetSweeper', () => {
  it('defines the sweep job and schedules it as recurring', async () => {
    const agenda = fakeAgenda();
    const sweep = jest.fn(async () => ({ expired: 2, checked: 1, repaired: 1, alerts: 0 }));
    const logger = createLogger({ level: 'silent' });
    const info = jest.spyOn(logger, 'info');
    await scheduleBudgetSweeper(agenda, { sweep }, logger, '30 seconds');
    expect(agenda.scheduled).toEqual([['30 seconds', BUDGET_SWEEP_JOB]]);
    await agenda.handlers.get(BUDGET_SWEEP_JOB)!();
    expect(sweep).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledWith(expect.objectContaining({ expired: 2, repaired: 1 }), 'budget sweep');
  });

  it('stays quiet when a sweep found nothing, and lets a failing sweep fail the job (agenda retries)', async () => {
    const agenda = fakeAgenda();
    const logger = createLogger({ level: 'silent' });
    const info = jest.spyOn(logger, 'info');
    const sweep = jest
      .fn()
      .mockResolvedValueOnce({ expired: 0, checked: 3, repaired: 0, alerts: 0 })
      .mockRejectedValueOnce(new Error('store down'));
    await scheduleBudgetSweeper(agenda, { sweep }, logger);
    expect(agenda.scheduled).toEqual([[60_000, BUDGET_SWEEP_JOB]]);
    await agenda.handlers.get(BUDGET_SWEEP_JOB)!();
    expect(info).not.toHaveBeenCalled();
    await expect(agenda.handlers.get(BUDGET_SWEEP_JOB)!()).rejects.toThrow('store down');
  });
});
