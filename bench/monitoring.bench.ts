/**
 * Cost of monitoring itself (issue 9, section 5): `sendMessage` over HTTP against two
 * copies of the real app in one process — MONITORING_ENABLED=false and true — with the
 * mock provider at 0 ms, requests interleaved so both see the same machine state.
 * Reports per-request latency with the unmonitored app as baseline and the throughput
 * loss (target <= 3%). Then prints what the monitored app's `performance` query and
 * `/metrics` show after the run, so the numbers are real.
 * MONITORING_BENCH_REQUESTS (default 400) sets the measured requests per app.
 */
import { startTestApp, type SeededActor, type TestApp } from '../test/helpers/app';
import type { BenchReporter } from './lib';

const now = () => Number(process.hrtime.bigint()) / 1e6;
const SEND = `mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { requestId } }`;

async function prepare(
  monitoring: boolean,
): Promise<{ app: TestApp; owner: SeededActor; projectId: string }> {
  const app = await startTestApp({
    env: { MONITORING_ENABLED: String(monitoring), RATE_LIMIT_PER_MINUTE: '0' },
  });
  const owner = await app.seed.createOwner();
  const created = await owner.graphql<{ createProject: { id: string } }>(
    'mutation { createProject(input: { name: "bench" }) { id } }',
  );
  const projectId = created.data?.createProject.id;
  if (!projectId) throw new Error(`createProject failed: ${JSON.stringify(created.errors)}`);
  return { app, owner, projectId };
}

async function send(target: { owner: SeededActor; projectId: string }, i: number): Promise<number> {
  const started = now();
  const res = await target.owner.graphql(SEND, {
    input: { projectId: target.projectId, provider: 'mock', model: 'mock-small', content: `hello ${i}` },
  });
  const ms = now() - started;
  if (res.errors) throw new Error(`sendMessage failed: ${JSON.stringify(res.errors)}`);
  return ms;
}

export default async function run(report: BenchReporter): Promise<void> {
  Object.assign(process.env, { MOCK_PROVIDER: 'on', PROVIDER_MAX_RETRIES: '0', LOG_LEVEL: 'silent' });
  const off = await prepare(false);
  const on = await prepare(true);
  try {
    const n = Number(process.env.MONITORING_BENCH_REQUESTS ?? 400);
    for (let i = 0; i < 40; i += 1) {
      await send(off, i);
      await send(on, i);
    }
    const offTimes: number[] = [];
    const onTimes: number[] = [];
    for (let i = 0; i < n; i += 1) {
      // Alternate which goes first so neither always runs on a warmer machine.
      if (i % 2 === 0) {
        offTimes.push(await send(off, i));
        onTimes.push(await send(on, i));
      } else {
        onTimes.push(await send(on, i));
        offTimes.push(await send(off, i));
      }
    }
    report.measure('sendMessage over HTTP, monitoring off', offTimes);
    report.measure('sendMessage over HTTP, monitoring on', onTimes, {
      baseline: 'sendMessage over HTTP, monitoring off',
      target: '<= 3% throughput loss',
    });
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const offRate = (offTimes.length / total(offTimes)) * 1000;
    const onRate = (onTimes.length / total(onTimes)) * 1000;
    report.value('sequential sendMessage/s, monitoring off', Math.round(offRate * 10) / 10, 'req/s');
    report.value('sequential sendMessage/s, monitoring on', Math.round(onRate * 10) / 10, 'req/s');
    report.value('throughput loss with monitoring', Math.round((1 - onRate / offRate) * 1000) / 10, '%', {
      target: '<= 3%',
    });

    // What an operator sees after the run.
    const monitoring = on.app.runtime.services.monitoring;
    if (monitoring) {
      await monitoring.tick();
      const perf = await monitoring.performance({ windowMinutes: 60, slowestLimit: 8 });
      for (const c of perf.components) {
        report.note(
          `performance: ${c.component} n=${c.count} p50=${c.p50Ms.toFixed(2)} p95=${c.p95Ms.toFixed(2)} p99=${c.p99Ms.toFixed(2)} ms`,
        );
      }
      for (const s of perf.slowest)
        report.note(`slowest: ${s.component} ${s.subject} p95=${s.p95Ms.toFixed(2)} ms`);
      for (const r of monitoring.recommendations(60))
        report.note(`recommendation: ${r.title} — ${r.evidence}`);
      const metrics = await (await fetch(on.app.url.replace(/\/graphql$/, '/metrics'))).text();
      const op = metrics
        .split('\n')
        .find((l) =>
          l.startsWith('app_operation_duration_seconds_count{component="graphql_operation",subject="Send"}'),
        );
      report.note(`/metrics: ${op ?? 'Send operation missing'}`);
    }
  } finally {
    await on.app.stop();
    await off.app.stop();
  }
}
