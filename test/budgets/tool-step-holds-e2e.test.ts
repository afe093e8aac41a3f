/**
 * Tool loops under budgets, through the real server: the mock model keeps calling the real
 * filesystem MCP server's `read_text_file` on a large file, so each step sends more than the last.
 * Each step after the first holds its own worst case (tool results and tool definitions counted)
 * before it is made; when a budget has no room the loop stops there, the request answers with
 * BUDGET_EXCEEDED and the budget's figures, and what was spent is recorded and settled within the
 * limit, step by step.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { parseUsd } from '../../src/shared/money';
import { bin, projectWith } from '../fixtures/mcp/real-servers';
import type { SeededActor, TestApp } from '../helpers/app';
import { eventually } from '../helpers/poll';
import { startPricedApp } from './support/priced-app';

let app: TestApp;
let owner: SeededActor;
let files: string;
let configDir: string;
const previousConfigPath = process.env.AI_MCP_CONFIG;

// About 5,000 tokens by the mock's count (4 characters a token): $0.005 of input at $1 per million.
const LARGE = 'The quick brown fox jumps over the lazy dog. '.repeat(450);

beforeAll(async () => {
  files = await mkdtemp(path.join(tmpdir(), 'step-holds-'));
  await writeFile(path.join(files, 'large.txt'), LARGE);
  await writeFile(path.join(files, 'small.txt'), 'small');
  ({ dir: configDir } = await projectWith({
    mcpServers: {
      files: { type: 'stdio', command: bin('mcp-server-filesystem'), args: [files], timeout: 20 },
    },
  }));
  process.env.AI_MCP_CONFIG = path.join(configDir, '.mcp.json');
  ({ app, owner } = await startPricedApp({ project: 'tools', inputPerMTok: '1', outputPerMTok: '10' }));
}, 60_000);

afterAll(async () => {
  await app?.stop();
  if (previousConfigPath === undefined) delete process.env.AI_MCP_CONFIG;
  else process.env.AI_MCP_CONFIG = previousConfigPath;
  await Promise.all([files, configDir].map((d) => d && rm(d, { recursive: true, force: true })));
});

const RESULT = `requestId finishReason cost { amount }
  steps { index cost finishReason usage { inputUncached output } }
  budgetStop { code message budgetId scope period limit spent reserved requested }`;

interface Result {
  requestId: string;
  finishReason: string;
  cost: { amount: string };
  steps: { index: number; cost: string; finishReason: string; usage: { inputUncached: number } }[];
  budgetStop: Record<string, string | null> | null;
}

/** A project of its own with one budget, so each test's spend is its alone. */
async function budgeted(name: string, budget: Record<string, unknown>) {
  const project = await owner.graphql('mutation($n: String!) { createProject(input: { name: $n }) { id } }', {
    n: name,
  });
  const projectId = project.data.createProject.id as string;
  const created = await owner.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    { input: { scope: 'PROJECT', scopeId: projectId, ...budget } },
  );
  expect(created.errors).toBeUndefined();
  return { projectId, budgetId: created.data.createBudget.id as string };
}

const readLarge = `::mock ${JSON.stringify({
  toolCalls: [{ toolName: 'read_text_file', input: { path: path.join('FILES', 'large.txt') } }],
})}`;
const input = (projectId: string) => ({
  projectId,
  provider: 'mock',
  model: 'mock-small',
  content: readLarge.replace('FILES', files),
  mcpServers: ['files'],
  maxToolSteps: 5,
  maxOutputTokens: 100,
});

/** Waits for the cost job to settle the request, then returns the budget's spend. */
async function settledSpend(budgetId: string) {
  const status = await eventually(
    async () =>
      (
        await owner.graphql('query($id: ID!) { budgetStatus(budgetId: $id) { spent reserved } }', {
          id: budgetId,
        })
      ).data?.budgetStatus as { spent: string; reserved: string } | undefined,
    (s) => !!s && parseUsd(s.reserved) === 0n && parseUsd(s.spent) > 0n,
  );
  expect(parseUsd(status!.reserved)).toBe(0n);
  return parseUsd(status!.spent);
}

function expectStoppedByBudget(result: Result, budgetId: string, limit: string) {
  expect(result.finishReason).toBe('BUDGET_EXCEEDED');
  expect(result.budgetStop).toMatchObject({
    code: 'BUDGET_EXCEEDED',
    budgetId,
    scope: 'PROJECT',
    limit,
    message: expect.stringContaining('To proceed'),
  });
  expect(parseUsd(result.budgetStop!.requested!)).toBeGreaterThan(0n);
  // It stopped before using all its steps; every step it made asked for the tool again.
  expect(result.steps.length).toBeGreaterThanOrEqual(1);
  expect(result.steps.length).toBeLessThan(5);
  expect(result.steps.map((s) => s.index)).toEqual(result.steps.map((_, i) => i));
  expect(result.steps.every((s) => s.finishReason === 'TOOL_CALLS')).toBe(true);
  // The steps' costs add up to the request's cost, to the last nano-dollar.
  const sum = result.steps.reduce((total, s) => total + parseUsd(s.cost), 0n);
  expect(sum).toBe(parseUsd(result.cost.amount));
}

it('sendMessage: stops a tool loop whose next step does not fit the budget, and spends within the limit', async () => {
  const { projectId, budgetId } = await budgeted('loop-send', { period: 'DAILY', limit: '0.01' });
  const res = await owner.graphql<{ sendMessage: Result }>(
    `mutation($input: SendMessageInput!) { sendMessage(input: $input) { ${RESULT} } }`,
    { input: input(projectId) },
  );
  expect(res.errors).toBeUndefined();
  const result = res.data!.sendMessage;
  expectStoppedByBudget(result, budgetId, '0.01');
  // The tool result was sent back: the second call read the large file.
  expect(result.steps.length).toBe(2);
  expect(result.steps[1]!.usage.inputUncached).toBeGreaterThan(LARGE.length / 4);
  const spent = await settledSpend(budgetId);
  expect(spent).toBe(parseUsd(result.cost.amount));
  expect(spent).toBeLessThanOrEqual(parseUsd('0.01'));
}, 60_000);

it('streamMessage: the same loop stops at the same step, and its DONE event says why', async () => {
  const { projectId, budgetId } = await budgeted('loop-stream', { period: 'DAILY', limit: '0.01' });
  const ws = owner.ws();
  try {
    const sub = ws.subscribe<{ streamMessage: { kind: string; result: Result | null } }>(
      `subscription($input: SendMessageInput!) { streamMessage(input: $input) { kind result { ${RESULT} } } }`,
      { input: input(projectId) },
    );
    let done: Result | null = null;
    for (let n = 1; !done && n < 100; n += 1)
      done = (await sub.next(n, 30_000)).at(-1)?.streamMessage.result ?? null;
    expectStoppedByBudget(done!, budgetId, '0.01');
    expect(done!.steps.length).toBe(2);
    const spent = await settledSpend(budgetId);
    expect(spent).toBe(parseUsd(done!.cost.amount));
    expect(spent).toBeLessThanOrEqual(parseUsd('0.01'));
  } finally {
    await ws.dispose();
  }
}, 60_000);

it('a per-request budget stops the loop when the running total could pass its limit', async () => {
  // Per-request budgets hold nothing: the running total plus the next step's worst case is checked.
  const { projectId, budgetId } = await budgeted('loop-per-request', {
    period: 'PER_REQUEST',
    limit: '0.004',
  });
  const res = await owner.graphql<{ sendMessage: Result }>(
    `mutation($input: SendMessageInput!) { sendMessage(input: $input) { ${RESULT} } }`,
    // Three steps, so a first hold of the worst case times the step bound fits the limit too.
    { input: { ...input(projectId), maxToolSteps: 3 } },
  );
  expect(res.errors).toBeUndefined();
  const result = res.data!.sendMessage;
  expectStoppedByBudget(result, budgetId, '0.004');
  expect(result.budgetStop!.period).toBe('PER_REQUEST');
  expect(parseUsd(result.cost.amount)).toBeLessThanOrEqual(parseUsd('0.004'));
}, 60_000);

it('a loop that fits its budget runs to its answer, each step priced', async () => {
  const { projectId, budgetId } = await budgeted('loop-fits', { period: 'DAILY', limit: '1' });
  app.runtime.services.providers.mockScripts.enqueue(
    [
      { toolCalls: [{ toolName: 'read_text_file', input: { path: path.join(files, 'small.txt') } }] },
      { text: 'It says small.' },
    ],
    'mock-small',
  );
  const res = await owner.graphql<{ sendMessage: Result }>(
    `mutation($input: SendMessageInput!) { sendMessage(input: $input) { ${RESULT} } }`,
    { input: { ...input(projectId), content: 'what does small.txt say?' } },
  );
  expect(res.errors).toBeUndefined();
  const result = res.data!.sendMessage;
  expect(result.finishReason).toBe('STOP');
  expect(result.budgetStop).toBeNull();
  expect(result.steps.map((s) => s.finishReason)).toEqual(['TOOL_CALLS', 'STOP']);
  const sum = result.steps.reduce((total, s) => total + parseUsd(s.cost), 0n);
  expect(sum).toBe(parseUsd(result.cost.amount));
  expect(await settledSpend(budgetId)).toBe(sum);
}, 60_000);

it('the first call counts the tool definitions too: a budget the bare message fits refuses it with tools', async () => {
  const { projectId, budgetId } = await budgeted('first-call', { period: 'DAILY', limit: '0.0015' });
  const ask = { projectId, provider: 'mock', model: 'mock-small', content: 'hi', maxOutputTokens: 100 };
  const send = (extra: Record<string, unknown>) =>
    owner.graphql(`mutation($input: SendMessageInput!) { sendMessage(input: $input) { requestId } }`, {
      input: { ...ask, ...extra },
    });
  // Alone, the message's worst case ($0.001 of output and a few tokens of input) fits...
  expect((await send({})).errors).toBeUndefined();
  await settledSpend(budgetId);
  // ...with the filesystem server's tool definitions it does not, and nothing is sent or stored.
  const conversations = async () => (await owner.graphql('{ conversations { edges { node { id } } } }')).data;
  const before = await conversations();
  const refused = await send({ mcpServers: ['files'] });
  expect(refused.status).toBe(402);
  expect(refused.errors?.[0]?.extensions).toMatchObject({
    code: 'BUDGET_EXCEEDED',
    budgetId,
    limit: '0.0015',
  });
  expect(await conversations()).toEqual(before);
  const status = await owner.graphql('query($id: ID!) { budgetStatus(budgetId: $id) { reserved } }', {
    id: budgetId,
  });
  expect(status.data.budgetStatus.reserved).toBe('0.00');
}, 60_000);
