/**
 * Through the real server: `GET /metrics` is Prometheus text (checked line by line
 * against the exposition grammar) and honours METRICS_TOKEN; `performance`,
 * `performanceRecommendations` and `performanceAlertHistory` are for organisation
 * admins only; `performanceAlerts` streams an alert to an admin over graphql-ws and
 * refuses a member.
 */
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';

const token = 'metrics-token-0123456789';
let app: TestApp;
let owner: SeededActor;
let admin: SeededActor;
let member: SeededActor;

beforeAll(async () => {
  app = await startTestApp({ env: { METRICS_TOKEN: token } });
  owner = await app.seed.createOwner();
  admin = await app.seed.createUser(owner, 'admin');
  member = await app.seed.createUser(owner, 'member');
});
afterAll(async () => {
  await app?.stop();
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

  it('refuses members and anonymous callers', async () => {
    for (const q of [
      performanceQuery,
      '{ performanceRecommendations { id } }',
      '{ performanceAlertHistory { id } }',
    ]) {
      const asMember = await member.graphql(q);
      expect(asMember.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const anonymous = await app.graphql(q);
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('rejects a bad filter with BAD_USER_INPUT', async () => {
    const res = await admin.graphql(performanceQuery, { filter: { windowMinutes: 5000 } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const recs = await admin.graphql('{ performanceRecommendations(windowMinutes: 0) { id } }');
    expect(recs.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('performanceAlerts', () => {
  it('streams a fired alert to an admin, lists it in the history, and refuses a member', async () => {
    const monitoring = app.runtime.services.monitoring!;
    const adminWs = admin.ws();
    const memberWs = member.ws();
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
