/**
 * Through the real server: `GET /metrics` is Prometheus text (checked line by line
 * against the exposition grammar) and honours METRICS_TOKEN; `performance`,
 * `performanceRecommendations` and `performanceAlertHistory` are for platform
 * administrators only (owners and admins of an organisation in PLATFORM_ADMIN_ORG_IDS):
 * the admin of another organisation, a member and anonymous callers are refused;
 * `performanceAlerts` streams an alert to a platform admin over graphql-ws and refuses
 * a tenant's admin. The MCP startup of a real stdio server shows in `performance`.
 */
import { rm } from 'node:fs/promises';
import type { DatabaseHandle } from '../../src/db/chain';
import { bin, projectWith } from '../fixtures/mcp/real-servers';
import { connectWs, graphqlRequest, startTestApp, type SeededActor, type TestApp } from '../helpers/app';
import { startTestDatabase } from '../helpers/db';

const token = 'metrics-token-0123456789';
let database: DatabaseHandle;
let app: TestApp;
let mcpDir: string;
const previousMcpConfig = process.env.AI_MCP_CONFIG;
/** Owner and admin of the platform organisation; the owner and a member of a tenant organisation. */
let owner: SeededActor;
let admin: SeededActor;
let member: SeededActor;
let tenantAdmin: SeededActor;

/** The same key, talking to `target` (actors are seeded before the monitored app starts). */
function on(target: TestApp, actor: SeededActor): SeededActor {
  return {
    ...actor,
    graphql: (query, variables) => graphqlRequest(target.url, query, { key: actor.key, variables }),
    ws: () => connectWs(target.wsUrl, `Bearer ${actor.key}`),
  };
}

beforeAll(async () => {
  ({ dir: mcpDir } = await projectWith({
    mcpServers: {
      everything: { type: 'stdio', command: bin('mcp-server-everything'), args: ['stdio'], timeout: 20 },
      dead: { type: 'stdio', command: '/nonexistent/mcp-dead-server', timeout: 5, retry_attempts: 0 },
    },
  }));
  process.env.AI_MCP_CONFIG = `${mcpDir}/.mcp.json`;
  database = await startTestDatabase();
  // Organisation ids exist only once seeded, and the platform list is configuration:
  // seed first, then start the app under test on the same database with the list set.
  const seeding = await startTestApp({ database });
  const platformOwner = await seeding.seed.createOwner({ organizationName: 'Operators' });
  const seeded = {
    owner: platformOwner,
    admin: await seeding.seed.createUser(platformOwner, 'admin'),
    member: await seeding.seed.createUser(platformOwner, 'member'),
    tenantAdmin: await seeding.seed.createOwner({ organizationName: 'A tenant' }),
  };
  await seeding.stop();
  app = await startTestApp({
    database,
    env: { METRICS_TOKEN: token, PLATFORM_ADMIN_ORG_IDS: platformOwner.organizationId },
  });
  owner = on(app, seeded.owner);
  admin = on(app, seeded.admin);
  member = on(app, seeded.member);
  tenantAdmin = on(app, seeded.tenantAdmin);
}, 60_000);
afterAll(async () => {
  await app?.stop();
  await database?.stop?.();
  if (previousMcpConfig === undefined) delete process.env.AI_MCP_CONFIG;
  else process.env.AI_MCP_CONFIG = previousMcpConfig;
  if (mcpDir) await rm(mcpDir, { recursive: true, force: true });
});

const metricsUrl = () => app.url.replace(/\/graphql$/, '/metrics');

/** Parses Prometheus text format 0.0.4 strictly; throws on the first malformed line. */
function parsePrometheus(
  text: string,
): Map<string, { type?: string; samples: { labels: Record<string, string>; value: number }[] }> {
  const families = new Map<
    string,
    { type?: string; samples: { labels: Record<string, string>; value: number }[] }
  >();
  const family = (name: string) => {
    const base = name.replace(/_(bucket|sum|count|total)$/, '');
    const key = families.has(name) ? name : base;
    if (!families.has(key)) families.set(key, { samples: [] });
    return families.get(key)!;
  };
  const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const sample = new RegExp(
    `^(${name})(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\.)*",?)*)\\})? (\\S+)(?: -?\\d+)?$`,
  );
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(meta[3] ?? ''))
          throw new Error(`line ${i + 1}: bad TYPE`);
        families.set(meta[2]!, { type: meta[3], samples: families.get(meta[2]!)?.samples ?? [] });
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = sample.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not Prometheus text: ${line}`);
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') throw new Error(`line ${i + 1}: bad value ${m[3]}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    family(m[1]!).samples.push({ labels: { ...labels, __name__: m[1]! }, value });
  }
  return families;
}

describe('GET /metrics', () => {
  it('refuses a scrape without the token', async () => {
    const none = await fetch(metricsUrl());
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    const wrong = await fetch(metricsUrl(), { headers: { authorization: 'Bearer wrong-token-wrong-token' } });
    expect(wrong.status).toBe(401);
    expect(
      (await fetch(metricsUrl(), { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(405);
  });

  it('serves Prometheus text with the operations just run', async () => {
    const res0 = await owner.graphql('query Me { me { role } }');
    expect(res0.errors).toBeUndefined();
    const res = await fetch(metricsUrl(), { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheus(await res.text());
    const durations = families.get('app_operation_duration_seconds');
    expect(durations?.type).toBe('histogram');
    const op = durations?.samples.find(
      (s) =>
        s.labels.__name__ === 'app_operation_duration_seconds_count' &&
        s.labels.component === 'graphql_operation' &&
        s.labels.subject === 'Me',
    );
    expect(op?.value).toBeGreaterThanOrEqual(1);
    // Every Yoga plugin hook is timed, by plugin and hook.
    const hooks = durations?.samples
      .filter((s) => s.labels.component === 'plugin_hook')
      .map((s) => s.labels.subject);
    expect(hooks).toEqual(expect.arrayContaining(['requestId.onResponse', 'queryLimits.onValidate']));
    // Database commands from the driver's command monitoring.
    expect(durations?.samples.some((s) => s.labels.component === 'db_command')).toBe(true);
    expect(families.get('app_job_backlog')?.type).toBe('gauge');
  });
});

const performanceQuery = `query($filter: PerformanceFilter) {
  performance(filter: $filter) {
    from to
    components { component subjects count errors p50Ms p95Ms p99Ms maxMs errorsByCode { code count } }
    slowest { component subject count p95Ms }
    queue { readAt jobs { job backlog running failed oldestPendingAgeMs } }
    trend { subject }
  }
}`;

describe('performance queries: access', () => {
  it('answers an admin with real numbers', async () => {
    await owner.graphql('query Me { me { role } }');
    const res = await admin.graphql<{
      performance: { components: { component: string; count: number }[]; slowest: { subject: string }[] };
    }>(performanceQuery, { filter: { components: ['GRAPHQL_OPERATION'], windowMinutes: 10 } });
    expect(res.errors).toBeUndefined();
    expect(res.data?.performance.components[0]).toMatchObject({ component: 'GRAPHQL_OPERATION' });
    expect(res.data?.performance.components[0]?.count).toBeGreaterThan(0);
    expect(res.data?.performance.slowest.map((s) => s.subject)).toContain('Me');
  });

  it('refuses the admin of another organisation, members and anonymous callers', async () => {
    for (const q of [
      performanceQuery,
      '{ performanceRecommendations { id } }',
      '{ performanceAlertHistory { id } }',
    ]) {
      // An organisation owner is an org admin, but of one tenant: timings span all of them.
      const asTenantAdmin = await tenantAdmin.graphql(q);
      expect(asTenantAdmin.data).toBeNull();
      expect(asTenantAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(asTenantAdmin.errors?.[0]?.message).toMatch(/PLATFORM_ADMIN_ORG_IDS/);
      const asMember = await member.graphql(q);
      expect(asMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const anonymous = await app.graphql(q);
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const asOwner = await owner.graphql('{ performanceAlertHistory { id } }');
    expect(asOwner.errors).toBeUndefined();
  });

  it('rejects a bad filter with BAD_USER_INPUT', async () => {
    const res = await admin.graphql(performanceQuery, { filter: { windowMinutes: 5000 } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const recs = await admin.graphql('{ performanceRecommendations(windowMinutes: 0) { id } }');
    expect(recs.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('performanceAlerts', () => {
  it('streams a fired alert to a platform admin, lists it in the history, and refuses a tenant admin', async () => {
    const monitoring = app.runtime.services.monitoring!;
    const adminWs = admin.ws();
    const memberWs = tenantAdmin.ws();
    try {
      const sub = adminWs.subscribe<{
        performanceAlerts: { metric: string; subject: string; severity: string; value: number };
      }>('subscription { performanceAlerts { metric subject severity value threshold firedAt } }');
      const refused = memberWs.subscribe('subscription { performanceAlerts { id } }');
      await adminWs.connected;
      // Give the subscription its registration round-trip before the alert fires.
      await admin.graphql('{ me { role } }');
      monitoring.instruments.record('listener', 'CostCalculated.slowTest', 120);
      const fired = await monitoring.tick();
      expect(fired.map((a) => a.subject)).toContain('CostCalculated.slowTest');
      // Other alerts (a cold first request's middleware) may come first: find ours.
      let ours: unknown;
      for (let n = 1; !ours; n += 1) {
        const values = await sub.next(n);
        ours = values.map((v) => v.performanceAlerts).find((a) => a.subject === 'CostCalculated.slowTest');
      }
      expect(ours).toMatchObject({
        metric: 'listener',
        subject: 'CostCalculated.slowTest',
        severity: 'HIGH',
        value: 120,
      });
      await expect(refused.next(1, 2000)).rejects.toThrow();
      expect(JSON.stringify(refused.errors)).toMatch(/FORBIDDEN/);
      expect(JSON.stringify(refused.errors)).toMatch(/PLATFORM_ADMIN_ORG_IDS/);

      const history = await admin.graphql<{ performanceAlertHistory: { subject: string }[] }>(
        '{ performanceAlertHistory(limit: 5) { subject severity } }',
      );
      expect(history.data?.performanceAlertHistory.map((a) => a.subject)).toContain(
        'CostCalculated.slowTest',
      );
      const recs = await admin.graphql<{
        performanceRecommendations: { subject: string; evidence: string }[];
      }>('{ performanceRecommendations { id subject title action evidence priority } }');
      expect(
        recs.data?.performanceRecommendations.find((r) => r.subject === 'CostCalculated.slowTest')?.evidence,
      ).toMatch(/p95 120 ms/);
    } finally {
      await adminWs.dispose();
      await memberWs.dispose();
    }
  });
});

describe('MCP startup', () => {
  it('shows each server’s startup time, and failed starts by code, in performance', async () => {
    const mcp = app.runtime.services.mcp;
    await mcp.registry.listTools('everything');
    await expect(mcp.registry.listTools('dead')).rejects.toMatchObject({ code: 'MCP_SERVER_UNAVAILABLE' });
    const res = await admin.graphql<{
      performance: {
        components: { component: string; count: number; errors: number }[];
        slowest: { subject: string; count: number; p95Ms: number; errorsByCode: { code: string }[] }[];
      };
    }>(
      `query($filter: PerformanceFilter) { performance(filter: $filter) {
        components { component count errors }
        slowest { subject count p95Ms errorsByCode { code count } }
      } }`,
      { filter: { components: ['MCP_STARTUP'] } },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.performance.components).toEqual([{ component: 'MCP_STARTUP', count: 2, errors: 1 }]);
    const bySubject = Object.fromEntries(res.data!.performance.slowest.map((s) => [s.subject, s]));
    expect(bySubject.everything).toMatchObject({ count: 1, errorsByCode: [] });
    // A real process launch and MCP handshake take measurable time.
    expect(bySubject.everything?.p95Ms).toBeGreaterThan(0);
    expect(bySubject.dead).toMatchObject({ count: 1, errorsByCode: [{ code: 'MCP_SERVER_UNAVAILABLE' }] });
  }, 60_000);
});
