/**
 * A process that dies mid-request still counts what the request may have cost, and nothing stays
 * held for good: the real server runs as a child process on the shared database, reserves a
 * request's worst case, and is killed (SIGKILL) while the provider is still answering. The app is
 * restarted on the same database with a short hold lifetime; its budget sweeper job expires the
 * hold, charges its worst case as an ESTIMATED cost record (seen through GraphQL in the records,
 * the breakdown and the budget's spend) and repairs counters to the cost records.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
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

/** Holds outlive a second; the sweeper runs every second (both short so the test is). */
const SHORT_HOLDS = { BUDGET_HOLD_TTL_MS: '1000', BUDGET_SWEEP_INTERVAL_MS: '1000' };

beforeAll(async () => {
  process.env.MOCK_PROVIDER = 'on';
  database = await startTestDatabase();
  app = await startTestApp({ database, clock, env: { RATE_LIMIT_PER_MINUTE: '0', ...SHORT_HOLDS } });
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
        ...SHORT_HOLDS,
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

const RECORDS = `query($p: ID!) { costRecords(filter: { projectId: $p }) { edges { node {
  kind status estimateReason estimateMessage requestId cost { total } } } } }`;

it("charges a killed process's hold as an ESTIMATED cost record and repairs the counter", async () => {
  const owner: SeededActor = await app.seed.createOwner();
  // Always the running app (it is restarted below).
  const gql = (query: string, variables?: Record<string, unknown>) =>
    graphqlRequest(app.url, query, { key: owner.key, variables });
  const projectId = (await gql('mutation { createProject(input: { name: "p" }) { id } }')).data.createProject
    .id as string;
  await gql(
    `mutation { setModelPrice(input: { provider: "mock", model: "mock-small", inputPerMTok: "0",
      outputPerMTok: "10", effectiveFrom: "2020-01-01T00:00:00Z" }) { __typename } }`,
  );
  const created = await gql('mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }', {
    input: { scope: 'PROJECT', scopeId: projectId, period: 'TOTAL', limit: '0.015' },
  });
  const budgetId = created.data.createBudget.id as string;
  // Worst case and actual cost are both $0.01 (1,000 output tokens at $10/M, free input).
  const input = (turn: object) => ({
    projectId,
    provider: 'mock',
    model: 'mock-small',
    content: `::mock ${JSON.stringify(turn)}`,
    maxOutputTokens: 1000,
  });

  // The other process holds $0.01 and dies while its provider call is in flight.
  const url = await startServerProcess();
  const inFlight = graphqlRequest(url, SEND, {
    key: owner.key,
    variables: { input: input({ delayMs: 60_000 }) },
  }).catch(() => 'connection lost');
  const held = await eventually(
    () => app.runtime.services.budgets.models.Reservation.findOne({ status: 'HELD' }).lean(),
    (r) => !!r,
    30_000,
  );
  expect(held).toMatchObject({ projectId, provider: 'mock', model: 'mock-small' });
  child!.kill('SIGKILL');
  expect(await inFlight).toBe('connection lost');

  // The app restarts on the same database, with short holds and a sweeper every second.
  await app.stop();
  app = await startTestApp({ database, clock, env: { RATE_LIMIT_PER_MINUTE: '0', ...SHORT_HOLDS } });
  const { models } = app.runtime.services.budgets;

  // Its hold still counts against a request that would fit the budget without it...
  const blocked = await gql(SEND, { input: input({ usage: { output: 1000 } }) });
  expect(blocked.status).toBe(402);
  expect(blocked.errors?.[0]?.extensions).toMatchObject({ code: 'BUDGET_EXCEEDED', reserved: '0.01' });

  // ...and once it has expired, the sweeper charges its worst case: the call may have been paid.
  clock.advance(10 * 60_000);
  const expired = await eventually(
    () => models.Reservation.findById(held!._id).lean(),
    (r) => r?.status === 'EXPIRED',
    30_000,
  );
  expect(expired).toMatchObject({ status: 'EXPIRED', estimated: true });
  const records = await gql(RECORDS, { p: projectId });
  expect(records.data.costRecords.edges).toEqual([
    {
      node: {
        kind: 'ESTIMATE',
        status: 'ESTIMATED',
        estimateReason: 'HOLD_EXPIRED',
        estimateMessage: expect.stringMatching(/stopped during the provider call/),
        requestId: held!._id,
        cost: { total: '0.01' },
      },
    },
  ]);
  const breakdown = await gql(
    'query($p: ID!) { costBreakdown(filter: { projectId: $p }, groupBy: [PROJECT]) { total { requests cost { total } } } }',
    { p: projectId },
  );
  expect(breakdown.data.costBreakdown.total).toEqual({ requests: 1, cost: { total: '0.01' } });
  const status = await gql('query($id: ID!) { budgetStatus(budgetId: $id) { spent reserved } }', {
    id: budgetId,
  });
  expect(parseUsd(status.data.budgetStatus.spent)).toBe(parseUsd('0.01'));
  expect(parseUsd(status.data.budgetStatus.reserved)).toBe(0n);
  // The estimate is spent, so the same request is still refused (now for spend, not a hold).
  const refused = await gql(SEND, { input: input({ usage: { output: 1000 } }) });
  expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BUDGET_EXCEEDED', spent: '0.01' });

  // A process that died between its counter increment and its reservation write leaves `reserved`
  // over-counted with no reservation to release; once the counter is quiet the sweeper recomputes it.
  await models.Counter.updateOne(
    { budgetId },
    { $inc: { reservedNano: parseUsd('0.005'), headroomNano: -parseUsd('0.005') } },
  );
  clock.advance(2 * 60_000);
  const recorded = (
    await new MongoCostRecordStore(app.runtime.db).find({ organizationId: owner.organizationId, projectId })
  ).reduce((sum, r) => sum + r.cost.total, 0n);
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
