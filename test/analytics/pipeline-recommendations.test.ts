/**
 * Recommendations and time to first token on data fed through the real pipeline of a running
 * server: sendMessage / streamMessage with the scripted mock provider → usage event → cost job →
 * CostCalculated → rollup drain. The mock model is priced by the organisation (setModelPrice), so
 * the savings can be checked to the nano-dollar.
 */
import { cheaperAlternatives } from '../../src/pricing/alternatives';
import { formatUsd, parseUsd } from '../../src/shared/money';
import { startFakeProviders, type FakeProviderServer } from '../fakes/fake-provider-server';
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';
import { reportWindow } from '../helpers/clock';

let fake: FakeProviderServer;
let app: TestApp;
let owner: SeededActor;
let projectId: string;

// $3 input, $0.30 cache reads, $3.75 cache writes, $15 output per million tokens.
const RATES = { input: 3_000n, cachedInput: 300n, cacheWrite: 3_750n }; // nano-USD per token
const LONG_SYSTEM = `You are the support assistant of Example Ltd. ${'Policy clause. '.repeat(400)}`;

beforeAll(async () => {
  fake = await startFakeProviders();
  Object.assign(process.env, {
    MOCK_PROVIDER: 'on',
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.openaiBaseURL,
    PROVIDER_MAX_RETRIES: '0',
  });
  app = await startTestApp();
  owner = await app.seed.createOwner();
  const created = await owner.graphql<{ createProject: { id: string } }>(
    'mutation { createProject(input: { name: "support" }) { id } }',
  );
  projectId = created.data!.createProject.id;
  const priced = await owner.graphql(
    `mutation { setModelPrice(input: { provider: "mock", model: "mock-small", effectiveFrom: "2020-01-01T00:00:00Z",
      inputPerMTok: "3.00", cachedInputPerMTok: "0.30", cacheWritePerMTok: "3.75", outputPerMTok: "15.00" }) { repricedRequests } }`,
  );
  expect(priced.errors).toBeUndefined();
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The app's clock, not the machine's: the suite may run on an injected one (TEST_CLOCK).
const window = () => reportWindow(app.runtime.clock);

/** A scripted mock turn; the inline directive must be the whole message. */
const scripted = (turn: object) => `::mock ${JSON.stringify(turn)}`;

async function send(input: Record<string, unknown>) {
  const res = await owner.graphql<{ sendMessage: { cost: { amount: string } } }>(
    'mutation($input: SendMessageInput!) { sendMessage(input: $input) { requestId cost { amount } } }',
    { input: { projectId, provider: 'mock', model: 'mock-small', ...input } },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.sendMessage;
}

async function stream(content: string) {
  const ws = owner.ws();
  const sub = ws.subscribe<{ streamMessage: { kind: string } }>(
    'subscription($input: SendMessageInput!) { streamMessage(input: $input) { kind } }',
    { input: { projectId, provider: 'mock', model: 'mock-small', content } },
  );
  for (let n = 1; n < 100; n += 1) {
    const values = await sub.next(n, 10_000);
    if (values.at(-1)?.streamMessage.kind === 'DONE') break;
  }
  await ws.dispose();
}

type Rec = {
  kind: string;
  key: string;
  estimatedMonthlySavingUsd: string;
  recordCount: number;
  examples: string[];
  figures: Record<string, string>;
};

it('recommends caching a repeated long prefix and lowering an oversized limit, and shows TTFT', async () => {
  // 20 requests repeat the same long system prompt, none read from cache, each allowing 8,192
  // output tokens and using 20.
  for (let i = 0; i < 20; i += 1) {
    await send({
      system: LONG_SYSTEM,
      maxOutputTokens: 8192,
      content: scripted({ text: 'ok', usage: { inputUncached: 1500, output: 20 } }),
    });
  }
  // Two streamed answers, the first delta after about 30 ms.
  for (let i = 0; i < 2; i += 1) {
    await stream(scripted({ text: 'streamed answer', chunkSize: 4, chunkDelayMs: 10, delayMs: 30 }));
  }
  const comparison = await waitFor(
    'the rollups to count 22 requests',
    async () => {
      const res = await owner.graphql(
        'query($f: AnalyticsFilter!) { providerComparison(filter: $f) { provider model summary { requests ttftP50Ms ttftP95Ms } } }',
        { f: window() },
      );
      expect(res.errors).toBeUndefined();
      return res.data.providerComparison as {
        provider: string;
        model: string;
        summary: { requests: number; ttftP50Ms: number | null; ttftP95Ms: number | null };
      }[];
    },
    (rows) => rows[0]?.summary.requests === 22,
  );
  // Only the streamed requests have a time to first token; it is at least the scripted delay.
  expect(comparison[0]!.summary.ttftP50Ms).toBeGreaterThanOrEqual(25);
  expect(comparison[0]!.summary.ttftP95Ms).toBeGreaterThanOrEqual(comparison[0]!.summary.ttftP50Ms!);

  const res = await owner.graphql(
    '{ recommendations(refresh: true) { kind key estimatedMonthlySavingUsd recordCount examples figures } }',
  );
  expect(res.errors).toBeUndefined();
  const recs = res.data.recommendations as Rec[];

  const caching = recs.find((r) => r.kind === 'PROMPT_CACHING');
  expect(caching).toBeDefined();
  expect(caching!.recordCount).toBe(20);
  expect(caching!.examples).toHaveLength(5);
  // 19 repeats × 1,024 prefix tokens at (3.00 - 0.30) $/M, less one write surcharge of 1,024 × 0.75 $/M,
  // over a 30-day window: exactly that per month.
  const savingNano =
    19n * 1024n * (RATES.input - RATES.cachedInput) - 1024n * (RATES.cacheWrite - RATES.input);
  expect(caching!.estimatedMonthlySavingUsd).toBe(formatUsd(savingNano));
  expect(caching!.figures.cacheHitRatio).toBe('0.0%');

  const limit = recs.find((r) => r.kind === 'OVERSIZED_LIMIT');
  expect(limit).toBeDefined();
  expect(limit!.recordCount).toBe(20);
  expect(limit!.figures).toMatchObject({
    maxOutputTokens: '8192',
    observedP99OutputTokens: '20',
    suggestedMaxOutputTokens: '256',
  });
  expect(limit!.key).toBe(`OVERSIZED_LIMIT:apiKey:${owner.apiKeyId}:mock/mock-small`);
}, 120_000);

it('suggests the most similar cheaper model from the pricing catalog for short, tool-free requests', async () => {
  // 20 short answers from the fake OpenAI (10 prompt tokens, 2 output tokens each).
  let spent = 0n;
  for (let i = 0; i < 20; i += 1) {
    const sent = await send({ provider: 'openai', model: 'gpt-4o', content: `question ${i}` });
    spent += parseUsd(sent.cost.amount);
  }
  await waitFor(
    'the rollups to count the OpenAI requests',
    async () => {
      const res = await owner.graphql(
        'query($f: AnalyticsFilter!) { usageReport(filter: $f) { totals { requests } } }',
        { f: { ...window(), provider: 'openai' } },
      );
      return (res.data?.usageReport?.totals?.requests as number | undefined) ?? 0;
    },
    (n) => n === 20,
  );
  const res = await owner.graphql(
    '{ recommendations(refresh: true) { kind key estimatedMonthlySavingUsd recordCount examples figures } }',
  );
  expect(res.errors).toBeUndefined();
  const rec = (res.data.recommendations as Rec[]).find((r) => r.key === 'CHEAPER_MODEL:openai/gpt-4o');
  expect(rec).toBeDefined();
  const [mostSimilar] = cheaperAlternatives('openai', 'gpt-4o');
  expect(rec!.figures.suggestedModel).toBe(`openai/${mostSimilar!.model}`);
  expect(rec!.recordCount).toBe(20);
  expect(rec!.examples).toHaveLength(5);
  // The observed cost is exactly what the requests were charged.
  expect(parseUsd(rec!.figures.observedCost!)).toBe(spent);
  const atSuggested = parseUsd(rec!.figures.costAtSuggestedModel!);
  expect(atSuggested).toBeLessThan(spent);
  // Observed over a 30-day window, so the monthly saving is exactly the difference.
  expect(parseUsd(rec!.estimatedMonthlySavingUsd)).toBe(spent - atSuggested);
}, 120_000);
