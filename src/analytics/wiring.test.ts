import type { Db } from 'mongodb';
import type { EventBus } from '../events/bus';
import { FakeClock } from '../shared/clock';
import { EXPORT_JOB } from './exports/export-jobs';
import { SCHEDULED_REPORT_JOB } from './exports/scheduled-reports';
import { ROLLUP_DRAIN_JOB } from './rollups/drain-job';
import { RECOMMENDATIONS_CRON, RECOMMENDATIONS_JOB, wireAnalytics } from './wiring';

function fakes() {
  const defined = new Map<string, (job: { attrs: { data: unknown } }) => Promise<void>>();
  const calls: unknown[][] = [];
  const agenda = {
    define: (name: string, h: (job: { attrs: { data: unknown } }) => Promise<void>) => defined.set(name, h),
    now: async (...a: unknown[]) => calls.push(['now', ...a]),
    every: async (...a: unknown[]) => calls.push(['every', ...a]),
  };
  const listeners: string[] = [];
  const events = { listen: (o: { event: string }) => listeners.push(o.event) } as unknown as EventBus;
  const db = { collection: () => ({}) } as unknown as Db;
  return { defined, calls, agenda, listeners, events, db };
}

describe('wireAnalytics', () => {
  it('registers listeners and jobs, and wires exports and schedules when a secret is configured', async () => {
    const f = fakes();
    const wired = wireAnalytics({
      db: f.db,
      clock: new FakeClock(),
      events: f.events,
      agenda: f.agenda,
      env: { ANALYTICS_EXPORT_SECRET: 'k'.repeat(32), PUBLIC_URL: 'https://ai.example.test' },
    });
    expect(f.listeners).toEqual(['CostCalculated', 'MCPToolExecuted']);
    expect([...f.defined.keys()].sort()).toEqual(
      [EXPORT_JOB, RECOMMENDATIONS_JOB, ROLLUP_DRAIN_JOB, SCHEDULED_REPORT_JOB].sort(),
    );
    expect(wired.downloadHandler).not.toBeNull();
    // The recurring jobs are scheduled at once: the rollup sweep and the daily recommendations.
    expect(f.calls.splice(0)).toEqual([
      ['every', '1 minute', ROLLUP_DRAIN_JOB, {}],
      ['every', RECOMMENDATIONS_CRON, RECOMMENDATIONS_JOB, {}, { timezone: 'UTC', skipImmediate: true }],
    ]);
    await wired.services.exports!.enqueue('e1');
    await wired.services.schedules!.register({ _id: 's1', cadence: 'WEEKLY' } as never);
    expect(f.calls).toEqual([
      ['now', EXPORT_JOB, { exportId: 'e1' }],
      [
        'every',
        '0 6 * * 1',
        SCHEDULED_REPORT_JOB,
        { scheduleId: 's1' },
        { timezone: 'UTC', skipImmediate: true },
      ],
    ]);
    await expect(f.defined.get(SCHEDULED_REPORT_JOB)!({ attrs: { data: {} } })).rejects.toThrow();
  });

  it('leaves exports off without a secret and rejects a short one', () => {
    const f = fakes();
    const wired = wireAnalytics({
      db: f.db,
      clock: new FakeClock(),
      events: f.events,
      agenda: f.agenda,
      env: {},
    });
    expect(wired.services.exports).toBeUndefined();
    expect(wired.downloadHandler).toBeNull();
    expect(() =>
      wireAnalytics({
        db: f.db,
        clock: new FakeClock(),
        events: f.events,
        agenda: f.agenda,
        env: { ANALYTICS_EXPORT_SECRET: 'short' },
      }),
    ).toThrow(/ANALYTICS_EXPORT_SECRET: must be at least 32/);
  });
});
