/**
 * A process that dies mid-request must not block users within budget for good: the real server
 * runs as a child process on the shared database, reserves a request's worst case, and is killed
 * (SIGKILL) while the provider is still answering. Its hold blocks the next request until the
 * hold expires; the budget sweeper job (run through agenda in the surviving process) then expires
 * it and repairs the counter to the cost records, and the next request is admitted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BUDGET_SWEEP_JOB } from '../../src/budgets/sweeper-job';
import { MongoCostRecordStore } from '../../src/costs/mongo-cost-stores';
import type { DatabaseHandle } from '../../src/db/chain';
import { FakeClock } from '../../src/shared/clock';
import { parseUsd } from '../../src/shared/money';
import { startTestDatabase } from '../helpers/db';
import { graphqlRequest, startTestApp, type SeededActor, type TestApp } from '../helpers/app';
import { eventually } from '../helpers/poll';

let database: DatabaseHandle;
let app: TestApp;
let child: ChildProcess | undefined;
const clock = new FakeClock(new Date());

beforeAll(async () => {
  process.env.MOCK_PROVIDER = 'on';
  database = await startTestDatabase();
  app = await startTestApp({ database, clock, env: { RATE_LIMIT_PER_MINUTE: '0' } });
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await app?.stop();
  await database?.stop();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The real entry point (src/main.ts) as another process on the same database. */
async function startServerProcess(): Promise<string> {
  const port = await freePort();
  child = spawn(
    process.execPath,
    ['--require', require.resolve('tsx/cjs'), join(__dirname, '..', '..', 'src', 'main.ts')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        MONGODB_URI: database.uri,
        MOCK_PROVIDER: 'on',
        LOG_LEVEL: 'silent',
        HOST: '127.0.0.1',
        PORT: String(port),
        RATE_LIMIT_PER_MINUTE: '0',
        MONITORING_ENABLED: 'false',
      },
      cwd: join(__dirname, '..', '..'),
      stdio: 'ignore',
    },
  );
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      if (ready.ok) return url;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the server process did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const SEND = 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { requestId } }';

it("expires a killed process's hold and repairs the counter from the cost records", async () => {
  const owner: SeededActor = await app.seed.createOwner();
  const projectId = (await owner.graphql('mutation { createProject(input: { name: "p" }) { id } }')).data
    .createProject.id as string;
  await owner.graphql(
    `mutation { setModelPrice(input: { provider: "mock", model: "mock-small", inputPerMTok: "0",
      outputPerMTok: "10", effectiveFrom: "2020-01-01T00:00:00Z" }) { __typename } }`,
  );
  const created = await owner.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    { input: { scope: 'PROJECT', scopeId: projectId, period: 'TOTAL', limit: '0.015' } },
  );
  const budgetId = created.data.createBudget.id as string;
  // Worst case and actual cost are both $0.01 (1,000 output tokens at $10/M, free input).
  const input = (turn: object) => ({
    projectId,
    provider: 'mock',
    model: 'mock-small',
    content: `::mock ${JSON.stringify(turn)}`,
    maxOutputTokens: 1000,
  });
  const { models } = app.runtime.services.budgets;

  // The other process holds $0.01 and dies while its provider call is in flight.
  const url = await startServerProcess();
  const inFlight = graphqlRequest(url, SEND, {
    key: owner.key,
    variables: { input: input({ delayMs: 600_000 }) },
  }).catch(() => 'connection lost');
  const held = await eventually(
    () => models.Reservation.findOne({ status: 'HELD' }).lean(),
    (r) => !!r,
    30_000,
  );
  expect(held).toBeTruthy();
  child!.kill('SIGKILL');
  expect(await inFlight).toBe('connection lost');

  // Its hold still blocks a request that fits in the budget...
  const blocked = await owner.graphql(SEND, { input: input({ usage: { output: 1000 } }) });
  expect(blocked.status).toBe(402);
  expect(blocked.errors?.[0]?.extensions).toMatchObject({ code: 'BUDGET_EXCEEDED', reserved: '0.01' });

  // ...until it expires: the sweeper job releases it as EXPIRED and repairs the counter.
  clock.advance(16 * 60_000);
  await app.runtime.eventSystem.queue.agenda.now(BUDGET_SWEEP_JOB);
  const expired = await eventually(
    () => models.Reservation.findById(held!._id).lean(),
    (r) => r?.status === 'EXPIRED',
    30_000,
  );
  expect(expired?.status).toBe('EXPIRED');
  const admitted = await owner.graphql(SEND, { input: input({ usage: { output: 1000 } }) });
  expect(admitted.errors).toBeUndefined();

  // A process that died between its counter increment and its reservation write leaves `reserved`
  // over-counted with no reservation to release; once the counter is quiet the sweeper recomputes it.
  await eventually(
    () => models.Reservation.countDocuments({ status: 'HELD' }),
    (n) => n === 0,
    30_000,
  );
  await models.Counter.updateOne(
    { budgetId },
    { $inc: { reservedNano: parseUsd('0.005'), headroomNano: -parseUsd('0.005') } },
  );
  clock.advance(2 * 60_000);
  await app.runtime.eventSystem.queue.agenda.now(BUDGET_SWEEP_JOB);
  const records = await new MongoCostRecordStore(app.runtime.db).find({
    organizationId: owner.organizationId,
    projectId,
  });
  const recorded = records.reduce((sum, r) => sum + r.cost.total, 0n);
  expect(recorded).toBe(parseUsd('0.01'));
  const counter = await eventually(
    () => models.Counter.findOne({ budgetId }).lean(),
    (c) => Number(c?.reservedNano) === 0,
    30_000,
  );
  expect(counter).toMatchObject({ reservedNano: 0 });
  expect(BigInt(counter!.spentNano)).toBe(recorded);
  expect(BigInt(counter!.headroomNano)).toBe(parseUsd('0.015') - recorded);
}, 150_000);
