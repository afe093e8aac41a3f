import type { RollupService } from './rollup-service';
import { defineRollupDrainJob, ROLLUP_DRAIN_JOB, type DrainAgenda } from './drain-job';

describe('rollup drain job', () => {
  it('coalesces requests until the queued drain starts, then drains', async () => {
    let handler: (() => Promise<void>) | undefined;
    const queued: string[] = [];
    const agenda = {
      define: (_name: string, h: () => Promise<void>) => (handler = h),
      now: async (name: string) => queued.push(name),
      every: async () => undefined,
    } as unknown as DrainAgenda;
    let drains = 0;
    const job = defineRollupDrainJob(agenda, {
      drain: async () => {
        drains += 1;
        return { batches: 0, applied: 0, repairedOrganizations: 0 };
      },
    } as unknown as RollupService);
    await job.request();
    await job.request();
    await job.request();
    expect(queued).toEqual([ROLLUP_DRAIN_JOB]);
    await handler!();
    expect(drains).toBe(1);
    // Once the drain started, the next request queues another run.
    await job.request();
    expect(queued).toEqual([ROLLUP_DRAIN_JOB, ROLLUP_DRAIN_JOB]);
  });
});
