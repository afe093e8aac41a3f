import { FakeClock } from '../shared/clock';
import { Instruments } from './instruments';
import { metricsResponse } from './metrics-http';
import { startMetricsServerIfConfigured } from './metrics-port';
import type { MonitoringService } from './monitoring-service';

function monitoringStub(refresh: () => Promise<unknown>) {
  const instruments = new Instruments({ clock: new FakeClock() });
  instruments.record('mcp_call', 'fs.read', 12);
  return { instruments, refreshQueueState: refresh } as unknown as MonitoringService;
}

describe('metrics on an internal port', () => {
  it('is not started without METRICS_PORT or without monitoring', async () => {
    const m = monitoringStub(async () => []);
    expect(await startMetricsServerIfConfigured({ METRICS_HOST: '127.0.0.1' }, m)).toBeUndefined();
    expect(
      await startMetricsServerIfConfigured({ METRICS_HOST: '127.0.0.1', METRICS_PORT: 9 }, undefined),
    ).toBeUndefined();
  });

  it('serves /metrics with the token, 401 without it, 404 elsewhere, HEAD without a body', async () => {
    const refresh = jest.fn(async () => []);
    // Port 0 is refused by the env schema but lets the test take a free port.
    const server = await startMetricsServerIfConfigured(
      { METRICS_HOST: '127.0.0.1', METRICS_PORT: 0, METRICS_TOKEN: 'tok-0123456789abcdef' },
      monitoringStub(refresh),
    );
    try {
      const url = server!.url;
      expect((await fetch(url)).status).toBe(401);
      const ok = await fetch(`${url}?x=1`, { headers: { authorization: 'Bearer tok-0123456789abcdef' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toMatch(
        /app_operation_duration_seconds_count\{component="mcp_call",subject="fs.read"\} 1/,
      );
      expect(refresh).toHaveBeenCalled();
      const head = await fetch(url, {
        method: 'HEAD',
        headers: { authorization: 'Bearer tok-0123456789abcdef' },
      });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await server?.stop();
    }
  });

  it('still serves histograms when the queue gauges cannot be refreshed, and says so', async () => {
    const m = monitoringStub(async () => {
      throw new Error('db down\nreally');
    });
    const result = await metricsResponse(
      { method: 'GET', authorization: null },
      { instruments: m.instruments, beforeScrape: async () => void (await m.refreshQueueState()) },
    );
    expect(result.status).toBe(200);
    expect(result.body.split('\n')[0]).toBe('# queue gauges not refreshed: db down really');
    expect(result.body).toContain('app_operation_duration_seconds_bucket');
  });
});
