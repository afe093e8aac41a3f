import { createSchema, createYoga } from 'graphql-yoga';
import { FakeClock } from '../shared/clock';
import { Instruments } from './instruments';
import type { MonitoringService } from './monitoring-service';
import { monitoredPlugins, type MetricsEndpointOptions } from './yoga-plugins';

const schema = createSchema({
  typeDefs: 'type Query { ok: Boolean }',
  resolvers: { Query: { ok: () => true } },
});

function yogaWith(openMetricsWithoutToken: boolean, metrics: MetricsEndpointOptions) {
  const warnings: unknown[] = [];
  const instruments = new Instruments({ clock: new FakeClock() });
  instruments.record('graphql_operation', 'TenantSecretOperation', 3);
  const monitoring = {
    instruments,
    slowResolverMs: 50,
    openMetricsWithoutToken,
    logger: { warn: (...args: unknown[]) => void warnings.push(args) },
    refreshQueueState: async () => [],
  } as unknown as MonitoringService;
  const yoga = createYoga({ schema, plugins: monitoredPlugins(monitoring, metrics, {}), logging: false });
  return { yoga, warnings };
}

const scrape = (yoga: ReturnType<typeof yogaWith>['yoga'], token?: string) =>
  yoga.fetch('http://yoga/metrics', { headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('/metrics on the API port', () => {
  it('is open without a token in development', async () => {
    const { yoga, warnings } = yogaWith(true, { onApiPort: true });
    const res = await scrape(yoga);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('subject="TenantSecretOperation"');
    expect(warnings).toEqual([]);
  });

  it('is not served in production without a token, and says so at start', async () => {
    const { yoga, warnings } = yogaWith(false, { onApiPort: true });
    const res = await scrape(yoga);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('TenantSecretOperation');
    expect(JSON.stringify(warnings)).toMatch(/METRICS_TOKEN.*METRICS_PORT/);
  });

  it('needs the token in production when one is set', async () => {
    const token = 'prod-token-0123456789';
    const { yoga, warnings } = yogaWith(false, { onApiPort: true, token });
    expect((await scrape(yoga)).status).toBe(401);
    expect((await scrape(yoga, token)).status).toBe(200);
    expect(warnings).toEqual([]);
  });

  it('is left to the internal port when METRICS_PORT is set', async () => {
    const { yoga, warnings } = yogaWith(false, { onApiPort: false });
    expect((await scrape(yoga)).status).toBe(404);
    expect(warnings).toEqual([]);
  });
});
