/**
 * Cost of monitoring itself (issue 9, section 5): `sendMessage` over HTTP against three
 * copies of the real app in one process — monitoring off, on, and on without database
 * command monitoring (PERF_DB_COMMANDS=false) — with the mock provider at 0 ms.
 *
 * One number from one run is noise on a shared machine, so the run is split into rounds.
 * In each round the apps serve the same requests, interleaved one by one (the order
 * rotates every request and every round), and a round's throughput loss is
 * 1 - (monitored req/s) / (unmonitored req/s). The reported loss is the median over the
 * rounds, with the spread. Beside it, a bottom-up estimate that noise hardly touches: instrument
 * records per request times the measured cost of one record, as a share of a request.
 * Then it prints what the monitored app's `performance` query and `/metrics` show.
 *
 * MONITORING_BENCH_ROUNDS (default 10) and MONITORING_BENCH_REQUESTS (per app per round,
 * default 60) size the run.
 */
import { Instruments } from '../src/monitoring/instruments';
import { components } from '../src/monitoring/components';
import { FakeClock } from '../src/shared/clock';
import { startTestApp, type SeededActor, type TestApp } from '../test/helpers/app';
import { summarise, type BenchReporter } from './lib';

const now = () => Number(process.hrtime.bigint()) / 1e6;
const SEND = `mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { requestId } }`;

interface Target {
  app: TestApp;
  owner: SeededActor;
  projectId: string;
  sent: number;
}

async function prepare(env: Record<string, string>): Promise<Target> {
  const app = await startTestApp({ env: { ...env, RATE_LIMIT_PER_MINUTE: '0' } });
  const owner = await app.seed.createOwner();
  const created = await owner.graphql<{ createProject: { id: string } }>(
    'mutation { createProject(input: { name: "bench" }) { id } }',
  );
  const projectId = created.data?.createProject.id;
  if (!projectId) throw new Error(`createProject failed: ${JSON.stringify(created.errors)}`);
  return { app, owner, projectId, sent: 0 };
}

async function send(target: Target): Promise<number> {
  target.sent += 1;
  const started = now();
  const res = await target.owner.graphql(SEND, {
    input: {
      projectId: target.projectId,
      provider: 'mock',
      model: 'mock-small',
      content: `hello ${target.sent}`,
    },
  });
  const ms = now() - started;
  if (res.errors) throw new Error(`sendMessage failed: ${JSON.stringify(res.errors)}`);
  return ms;
}

const median = (xs: number[]) => summarise(xs).median;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const pct = (x: number) => Math.round(x * 1000) / 10;

/** Microseconds per `Instruments.record` call, over as many series as a busy process has. */
function recordCostUs(): number {
  const instruments = new Instruments({ clock: new FakeClock('2026-01-01T00:00:00Z') });
  const subjects = Array.from({ length: 60 }, (_, i) => `subject-${i}`);
  const n = 200_000;
  const run = () => {
    for (let i = 0; i < n; i += 1) {
      instruments.record(components[i % components.length]!, subjects[i % subjects.length]!, (i % 97) / 7);
    }
  };
  run(); // warm-up: JIT and every label set created
  const started = now();
  run();
  return ((now() - started) * 1000) / n;
}

export default async function run(report: BenchReporter): Promise<void> {
  Object.assign(process.env, { MOCK_PROVIDER: 'on', PROVIDER_MAX_RETRIES: '0', LOG_LEVEL: 'silent' });
  const off = await prepare({ MONITORING_ENABLED: 'false' });
  const on = await prepare({ MONITORING_ENABLED: 'true' });
  const noDb = await prepare({ MONITORING_ENABLED: 'true', PERF_DB_COMMANDS: 'false' });
  const targets = [off, on, noDb];
  try {
    const rounds = Number(process.env.MONITORING_BENCH_ROUNDS ?? 10);
    const perRound = Number(process.env.MONITORING_BENCH_REQUESTS ?? 60);
    for (let i = 0; i < 40; i += 1) for (const t of targets) await send(t);
    const times = targets.map(() => [] as number[]);
    const losses: number[] = [];
    const lossesNoDb: number[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const round = targets.map(() => [] as number[]);
      for (let i = 0; i < perRound; i += 1) {
        // Rotate who goes first, so no app always meets a warmer (or busier) machine.
        for (let k = 0; k < targets.length; k += 1) {
          const j = (i + r + k) % targets.length;
          round[j]!.push(await send(targets[j]!));
        }
      }
      round.forEach((xs, j) => times[j]!.push(...xs));
      // Sequential req/s is n / total time, so the ratio of rates is the inverse ratio of totals.
      losses.push(1 - sum(round[0]!) / sum(round[1]!));
      lossesNoDb.push(1 - sum(round[0]!) / sum(round[2]!));
    }
    const [offTimes, onTimes, noDbTimes] = times as [number[], number[], number[]];
    report.measure('sendMessage over HTTP, monitoring off', offTimes);
    report.measure('sendMessage over HTTP, monitoring on', onTimes, {
      baseline: 'sendMessage over HTTP, monitoring off',
      target: '<= 3% throughput loss',
    });
    report.measure('sendMessage over HTTP, monitoring on, PERF_DB_COMMANDS=false', noDbTimes, {
      baseline: 'sendMessage over HTTP, monitoring off',
      target: '<= 3% throughput loss',
    });
    report.value(
      'sequential sendMessage/s, monitoring off',
      Math.round((1000 / median(offTimes)) * 10) / 10,
      'req/s',
    );
    report.value(
      'sequential sendMessage/s, monitoring on',
      Math.round((1000 / median(onTimes)) * 10) / 10,
      'req/s',
    );
    report.value(`throughput loss with monitoring (median of ${rounds} rounds)`, pct(median(losses)), '%', {
      target: '<= 3%',
    });
    report.value(
      `throughput loss, PERF_DB_COMMANDS=false (median of ${rounds} rounds)`,
      pct(median(lossesNoDb)),
      '%',
      { target: '<= 3%' },
    );
    const spread = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return `${xs.map((l) => `${pct(l)}%`).join(', ')} (min ${pct(sorted[0] ?? 0)}%, max ${pct(sorted[sorted.length - 1] ?? 0)}%)`;
    };
    report.note(`throughput loss per round: ${spread(losses)}`);

    report.note(`throughput loss per round, PERF_DB_COMMANDS=false: ${spread(lossesNoDb)}`);

    const monitoring = on.app.runtime.services.monitoring;
    if (monitoring) {
      // Bottom-up: what the instruments themselves cost per request.
      const perf = await monitoring.performance({ windowMinutes: 60, slowestLimit: 8 });
      const records = sum(perf.components.map((c) => c.count));
      const recordsPerRequest = records / on.sent;
      const costUs = recordCostUs();
      const share = (recordsPerRequest * costUs) / 1000 / median(onTimes);
      report.value('instrument records per sendMessage', Math.round(recordsPerRequest * 10) / 10, 'records');
      report.value('cost of one instrument record', Math.round(costUs * 100) / 100, 'µs');
      report.value('instrument recording as a share of a sendMessage', pct(share), '%', { target: '<= 3%' });

      // What an operator sees after the run.
      await monitoring.tick();
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
    for (const t of targets) await t.app.stop();
  }
}
