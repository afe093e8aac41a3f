import { loadConfig } from '../config/env';
import { BacklogTrend } from './backlog-trend';
import { percentile, statsOf } from './percentiles';
import { SampleWindow } from './sample-window';
import { severityOf, thresholdsFromConfig } from './thresholds';

const q = (job: string, backlog: number) => ({ job, backlog, running: 0, failed: 0, oldestPendingAgeMs: 0 });

describe('percentiles', () => {
  it('uses nearest rank and is 0 for no samples', () => {
    expect(percentile([], 95)).toBe(0);
    expect(statsOf([], 0)).toMatchObject({ count: 0, p95Ms: 0, maxMs: 0 });
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(hundred, 50), percentile(hundred, 95), percentile(hundred, 99)]).toEqual([50, 95, 99]);
  });
});

describe('SampleWindow', () => {
  it('forgets samples past the retention and caps each series', () => {
    const w = new SampleWindow(1000, 3);
    for (let i = 0; i < 5; i += 1) w.add('listener', 'a', i, i * 10);
    expect(w.stats(0, 10)[0]).toMatchObject({ count: 3, maxMs: 40, p50Ms: 30 });
    expect(w.merged(0, 10, () => true)).toMatchObject({ count: 3, maxMs: 40 });
    // Many more than the cap: still the newest three, before and after a prune.
    for (let i = 5; i < 50; i += 1) w.add('listener', 'a', i, i * 10);
    expect(w.stats(0, 100)[0]).toMatchObject({ count: 3, p50Ms: 480, maxMs: 490 });
    w.prune(60);
    expect(w.stats(0, 100)[0]).toMatchObject({ count: 3, p50Ms: 480, maxMs: 490 });
    w.add('listener', 'b', 100, 1);
    w.prune(1050); // a's samples are all older than 50
    expect(w.stats(0, 2000).map((s) => s.subject)).toEqual(['b']);
    w.prune(5000);
    expect(w.stats(0, 10_000)).toEqual([]);
  });
});

describe('BacklogTrend', () => {
  it('reports growth only after the whole span, and not once the backlog shrank', () => {
    const t = new BacklogTrend(3 * 60_000);
    t.add(0, [q('j', 1), q('k', 5)]);
    t.add(60_000, [q('j', 2), q('k', 2)]);
    t.add(120_000, [q('j', 3), q('k', 6)]);
    expect(t.growing()).toEqual([]); // 2 minutes only
    t.add(180_000, [q('j', 4)]); // k vanished: drained to 0
    expect(t.growing()).toEqual([{ job: 'j', from: 1, to: 4, sinceMs: 180_000 }]);
  });
});

describe('thresholds', () => {
  it('grade severity by how far over and read every threshold from the environment', () => {
    expect([severityOf(11, 10), severityOf(20, 10), severityOf(40, 10), severityOf(1, 0)]).toEqual([
      'WARNING',
      'HIGH',
      'CRITICAL',
      'CRITICAL',
    ]);
    const t = thresholdsFromConfig(loadConfig({ PERF_THRESHOLD_LISTENER_MS: '75', PERF_WINDOW_MS: '60000' }));
    expect(t.p95Ms).toMatchObject({
      listener: 75,
      event_dispatch: 100,
      job_run: 500,
      plugin_hook: 10,
      mcp_call: 500,
      budget_check: 10,
    });
    expect(t.windowMs).toBe(60_000);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});
