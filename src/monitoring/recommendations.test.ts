import type { Component } from './components';
import { statsOf } from './percentiles';
import { recommend } from './recommendations';
import type { SeriesStats } from './sample-window';
import { defaultThresholds } from './thresholds';

const series = (component: Component, subject: string, durations: number[], errors = 0): SeriesStats => ({
  component,
  subject,
  errorsByCode: errors ? { INTERNAL_SERVER_ERROR: errors } : {},
  ...statsOf(durations, errors),
});

const base = { thresholds: defaultThresholds, windowMs: 300_000, queue: [] };

describe('recommend', () => {
  it('says nothing when everything is under its threshold', () => {
    const quiet = [
      series('listener', 'A.b', [10]),
      series('job_run', 'j', [100]),
      series('mcp_call', 's.t', [50]),
    ];
    expect(recommend({ ...base, series: quiet })).toEqual([]);
  });

  it('suggests workers when a job waits longer than it runs, naming wait, run and backlog', () => {
    const recs = recommend({
      ...base,
      series: [
        series('job_wait', 'event:CostCalculated.rollup', [4000]),
        series('job_run', 'event:CostCalculated.rollup', [20]),
      ],
      queue: [
        { job: 'event:CostCalculated.rollup', backlog: 40, running: 5, failed: 0, oldestPendingAgeMs: 9000 },
      ],
    });
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ id: 'job-wait:event:CostCalculated.rollup', priority: 'HIGH' });
    expect(recs[0]?.action).toMatch(/raise agenda concurrency for job "event:CostCalculated.rollup"/);
    expect(recs[0]?.evidence).toMatch(/wait p95 4000 ms.*run p95 20 ms; backlog 40, oldest pending 9000 ms/);
  });

  it('suggests an index for a slow query pattern and ignores slow non-query commands', () => {
    const recs = recommend({
      ...base,
      series: [
        series('db_command', 'find costRecords', [300, 320]),
        series('db_command', 'createIndexes x', [900]),
        series('db_command', 'find', [900]),
      ],
    });
    expect(recs.map((r) => r.id)).toEqual(['db:find costRecords']);
    expect(recs[0]?.action).toMatch(/Add an index .* find on costRecords/);
  });

  it('flags slow middleware and budget checks with their thresholds', () => {
    const recs = recommend({
      ...base,
      series: [
        series('budget_check', 'budgetEnforcement.onExecute', [15]),
        series('plugin_hook', 'auth.onRequest', [90]),
      ],
    });
    expect(recs.map((r) => [r.id, r.priority])).toEqual([
      ['plugin_hook:auth.onRequest', 'HIGH'],
      ['budget_check:budgetEnforcement.onExecute', 'LOW'],
    ]);
    expect(recs[1]?.evidence).toMatch(/threshold 10 ms/);
  });

  it('suggests splitting API and worker when jobs keep the API process busy', () => {
    const recs = recommend({
      ...base,
      series: [
        series('job_run', 'j', Array(400).fill(450)),
        series('graphql_operation', 'SendMessage', [80, 120]),
      ],
    });
    const split = recs.find((r) => r.id === 'split-processes');
    expect(split?.evidence).toMatch(/jobs ran 180000 ms in a 300000 ms window .* SendMessage p95 120 ms/);
  });

  it('suggests prompt caching for a slow first token even under the latency threshold', () => {
    const recs = recommend({
      ...base,
      series: [
        series('provider_latency', 'anthropic/claude', [9000], 1),
        series('provider_ttft', 'anthropic/claude', [8000]),
      ],
    });
    expect(recs[0]?.evidence).toMatch(/time to first token p95 8000 ms; 1 errors/);
  });
});
