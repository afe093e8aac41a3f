/**
 * A streamMessage whose client goes away must not keep its budget hold until it expires. Through
 * the real server, over graphql-ws (`complete`, closed socket) and SSE (dropped connection), before
 * the first chunk (provider silent) and mid-stream: the provider call is aborted (the mock's abort
 * signal fires, though its scripted waits are minutes long), the hold is trimmed to what was
 * consumed (recorded as partial, counted where the provider had not reported it), and the cost job
 * then settles the budget to exactly that recorded cost. A stream that completes settles as before.
 */
import { MongoCostRecordStore, MongoUsageEventStore } from '../../src/costs/mongo-cost-stores';
import { startFakeProviders, type FakeProviderServer } from '../fakes/fake-provider-server';
import { MockLanguageModel } from '../../src/providers/mock/mock-language-model';
import type { MockTurnInput } from '../../src/providers/mock/mock-script';
import { parseUsd } from '../../src/shared/money';
import type { SeededActor, TestApp } from '../helpers/app';
import { eventually } from '../helpers/poll';
import { startPricedApp } from './support/priced-app';

let fake: FakeProviderServer;
let app: TestApp;
let owner: SeededActor;

beforeAll(async () => {
  fake = await startFakeProviders();
  Object.assign(process.env, {
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: fake.anthropicBaseURL,
    PROVIDER_MAX_RETRIES: '0',
  });
  ({ app, owner } = await startPricedApp({ project: 'streams', inputPerMTok: '1', outputPerMTok: '10' }));
});

afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

afterEach(() => jest.restoreAllMocks());

/** Far longer than any polling timeout below: a provider call that was not aborted cannot finish in time. */
const SILENT: MockTurnInput = { text: 'never sent', delayMs: 600_000 };
const SLOW: MockTurnInput = { text: 'First chunk, then a long pause.', chunkSize: 5, chunkDelayMs: 60_000 };
// 50,000 output tokens at $10/M: the hold is $0.50 and change, far above what a cut stream uses.
const MAX_OUTPUT = 50_000;
const POLL_MS = 30_000;

const STREAM = `subscription($input: SendMessageInput!) {
  streamMessage(input: $input) { kind delta result { requestId cost { amount } } }
}`;

interface StreamEvent {
  streamMessage: {
    kind: string;
    delta: string | null;
    result: { requestId: string; cost: { amount: string } } | null;
  };
}

/** A project of its own with a $10 daily budget, so each test reads only its own hold. */
async function budgetedProject(name: string) {
  const project = await owner.graphql('mutation($n: String!) { createProject(input: { name: $n }) { id } }', {
    n: name,
  });
  const projectId = project.data.createProject.id as string;
  const budget = await owner.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    {
      input: { scope: 'PROJECT', scopeId: projectId, period: 'DAILY', limit: '10' },
    },
  );
  expect(budget.errors).toBeUndefined();
  return { projectId, budgetId: budget.data.createBudget.id as string };
}

const input = (projectId: string, turn: MockTurnInput | string) => ({
  projectId,
  provider: 'mock',
  model: 'mock-small',
  content: typeof turn === 'string' ? turn : `::mock ${JSON.stringify(turn)}`,
  maxOutputTokens: MAX_OUTPUT,
});

/** Records the abort signal of every mock provider call. */
function watchProviderCalls(): AbortSignal[] {
  const signals: AbortSignal[] = [];
  const original = MockLanguageModel.prototype.doStream;
  jest.spyOn(MockLanguageModel.prototype, 'doStream').mockImplementation(function (
    this: MockLanguageModel,
    options,
  ) {
    signals.push(options.abortSignal!);
    return original.call(this, options);
  });
  return signals;
}

const reservationOf = (budgetId: string) =>
  app.runtime.services.budgets.models.Reservation.findOne({ 'items.budgetId': budgetId }).lean();

async function budgetStatus(budgetId: string) {
  const res = await owner.graphql('query($id: ID!) { budgetStatus(budgetId: $id) { spent reserved } }', {
    id: budgetId,
  });
  return { spent: parseUsd(res.data.budgetStatus.spent), reserved: parseUsd(res.data.budgetStatus.reserved) };
}

/** The hold as placed before the provider was called: the worst case, on this project's budget. */
async function heldAmount(budgetId: string): Promise<bigint> {
  const hold = await eventually(
    () => reservationOf(budgetId),
    (r) => !!r,
    POLL_MS,
  );
  expect(hold).toMatchObject({ status: expect.stringMatching(/^(PENDING|HELD)$/) });
  const held = BigInt(hold!.estimateNano);
  expect(held).toBeGreaterThan(parseUsd('0.5'));
  return held;
}

/**
 * What must follow a client going away: the provider call aborted, the hold trimmed to the
 * recorded cost of the consumed usage (flagged partial), and the cost job settling exactly that.
 */
async function expectCutShort(
  providerCall: AbortSignal[] | (() => boolean),
  target: { projectId: string; budgetId: string },
  held: bigint,
  expected: { output: 'none' | 'some'; reportedInput?: number },
) {
  let aborted: () => boolean;
  if (Array.isArray(providerCall)) {
    expect(providerCall).toHaveLength(1);
    aborted = () => providerCall[0]!.aborted;
  } else aborted = providerCall;
  expect(
    await eventually(
      async () => aborted(),
      (gone) => gone,
      POLL_MS,
    ),
  ).toBe(true);

  // The hold no longer stands at the worst case: it was trimmed to what the stream consumed.
  const trimmed = await eventually(
    () => reservationOf(target.budgetId),
    (r) => !!r && BigInt(r.estimateNano) < held,
    POLL_MS,
  );
  expect(BigInt(trimmed!.estimateNano)).toBeLessThan(held);
  expect(trimmed!.status).not.toMatch(/EXPIRED|RELEASED/);

  const requestId = String(trimmed!._id);
  const event = await new MongoUsageEventStore(app.runtime.db).get(`ue_${requestId}`);
  const records = await eventually(
    () =>
      new MongoCostRecordStore(app.runtime.db).find({
        organizationId: owner.organizationId,
        projectId: target.projectId,
      }),
    (r) => r.length > 0,
    POLL_MS,
  );
  expect(records).toHaveLength(1);
  const [record] = records;
  // Recorded, flagged partial, counted by us where the provider had not reported it, never $0.
  expect(record).toMatchObject({ requestId, status: 'priced', usageIncomplete: true });
  if (expected.reportedInput !== undefined) expect(record!.usage.inputUncached).toBe(expected.reportedInput);
  else expect(record!.usage.inputUncached).toBeGreaterThan(0);
  if (expected.output === 'some') expect(record!.usage.output).toBeGreaterThan(0);
  else expect(record!.usage.output).toBe(0);
  expect(record!.cost.total).toBeGreaterThan(0n);
  // The trim kept exactly the recorded cost of the consumed usage.
  expect(BigInt(trimmed!.estimateNano)).toBe(record!.cost.total);
  const stored = event ?? (await new MongoUsageEventStore(app.runtime.db).get(`ue_${requestId}`));
  expect(stored).toMatchObject({ outcome: 'failed', calls: [{ partial: true, usageSource: 'estimated' }] });

  // The cost job settles the trimmed hold with the recorded cost.
  const status = await eventually(
    () => budgetStatus(target.budgetId),
    (s) => s.reserved === 0n && s.spent === record!.cost.total,
    POLL_MS,
  );
  expect(status).toEqual({ spent: record!.cost.total, reserved: 0n });
  expect(await reservationOf(target.budgetId)).toMatchObject({ status: 'SETTLED' });
}

describe('graphql-ws', () => {
  it('aborts and trims when the client completes the subscription mid-stream', async () => {
    const target = await budgetedProject('ws complete');
    const signals = watchProviderCalls();
    const ws = owner.ws();
    const sub = ws.subscribe<StreamEvent>(STREAM, { input: input(target.projectId, SLOW) });
    const [first] = await sub.next(1, POLL_MS);
    expect(first?.streamMessage).toMatchObject({ kind: 'DELTA', delta: 'First' });
    const held = await heldAmount(target.budgetId);
    sub.stop();
    await expectCutShort(signals, target, held, { output: 'some' });
    await ws.dispose();
  });

  it('aborts and trims when the socket closes mid-stream', async () => {
    const target = await budgetedProject('ws close');
    const signals = watchProviderCalls();
    const ws = owner.ws();
    const sub = ws.subscribe<StreamEvent>(STREAM, { input: input(target.projectId, SLOW) });
    await sub.next(1, POLL_MS);
    const held = await heldAmount(target.budgetId);
    await ws.dispose();
    await expectCutShort(signals, target, held, { output: 'some' });
  });

  it('aborts a silent provider when the client completes before the first chunk', async () => {
    const target = await budgetedProject('ws silent');
    const signals = watchProviderCalls();
    const ws = owner.ws();
    const sub = ws.subscribe<StreamEvent>(STREAM, { input: input(target.projectId, SILENT) });
    await eventually(
      async () => signals.length,
      (n) => n > 0,
      POLL_MS,
    );
    const held = await heldAmount(target.budgetId);
    sub.stop();
    await expectCutShort(signals, target, held, { output: 'none' });
    expect(sub.values).toEqual([]);
    await ws.dispose();
  });

  it('settles a stream that completes as before: its actual cost, nothing partial', async () => {
    const target = await budgetedProject('ws complete stream');
    const ws = owner.ws();
    const sub = ws.subscribe<StreamEvent>(STREAM, {
      input: input(target.projectId, { text: 'All of it.', chunkSize: 5 }),
    });
    const values = await eventually(
      async () => sub.values,
      (v) => v.at(-1)?.streamMessage.kind === 'DONE',
      POLL_MS,
    );
    const done = values.at(-1)!.streamMessage;
    expect(done.kind).toBe('DONE');
    const cost = parseUsd(done.result!.cost.amount);
    const status = await eventually(
      () => budgetStatus(target.budgetId),
      (s) => s.reserved === 0n && s.spent === cost,
      POLL_MS,
    );
    expect(status).toEqual({ spent: cost, reserved: 0n });
    const hold = await reservationOf(target.budgetId);
    // Never trimmed: the whole worst case was held until the cost job settled it.
    expect(hold).toMatchObject({ _id: done.result!.requestId, status: 'SETTLED' });
    expect(BigInt(hold!.estimateNano)).toBeGreaterThan(parseUsd('0.5'));
    const [record] = await new MongoCostRecordStore(app.runtime.db).find({
      organizationId: owner.organizationId,
      projectId: target.projectId,
    });
    expect(record).toMatchObject({ usageIncomplete: false });
    expect(record!.cost.total).toBe(cost);
    await ws.dispose();
  });
});

describe('SSE', () => {
  /** Opens the stream over HTTP (text/event-stream); returns the reader and the abort. */
  async function openSse(projectId: string, turn: MockTurnInput) {
    const controller = new AbortController();
    const response = await fetch(app.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${owner.key}`,
      },
      body: JSON.stringify({ query: STREAM, variables: { input: input(projectId, turn) } }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    return {
      abort: () => controller.abort(),
      /** Reads until the stream has carried `needle`. */
      async readUntil(needle: string) {
        const decoder = new TextDecoder();
        while (!text.includes(needle)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`the stream ended before ${needle}: ${text}`);
          text += decoder.decode(value, { stream: true });
        }
        return text;
      },
    };
  }

  it('aborts and trims when the connection drops mid-stream', async () => {
    const target = await budgetedProject('sse drop');
    const signals = watchProviderCalls();
    const sse = await openSse(target.projectId, SLOW);
    expect(await sse.readUntil('"DELTA"')).toContain('First');
    const held = await heldAmount(target.budgetId);
    sse.abort();
    await expectCutShort(signals, target, held, { output: 'some' });
  });

  it('aborts a silent provider when the connection drops before the first chunk', async () => {
    const target = await budgetedProject('sse silent');
    const signals = watchProviderCalls();
    const sse = await openSse(target.projectId, SILENT);
    await eventually(
      async () => signals.length,
      (n) => n > 0,
      POLL_MS,
    );
    const held = await heldAmount(target.budgetId);
    sse.abort();
    await expectCutShort(signals, target, held, { output: 'none' });
  });
});

describe('a provider over HTTP', () => {
  const claude = (projectId: string) => ({
    ...input(projectId, 'Tell me a long story.'),
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
  });

  it('sees its connection closed mid-answer; the input it reported is kept and the streamed text counted', async () => {
    const target = await budgetedProject('anthropic mid-stream');
    // message_start (input usage), the text block's start, one delta; then the provider goes quiet.
    fake.enqueue('anthropic', {
      text: 'Once upon a time, far away.',
      chunkSize: 9,
      usage: { input_tokens: 2_000, output_tokens: 300 },
      stallAfterFrames: 3,
    });
    const ws = owner.ws();
    const sub = ws.subscribe<StreamEvent>(STREAM, { input: claude(target.projectId) });
    const [first] = await sub.next(1, POLL_MS);
    expect(first?.streamMessage).toMatchObject({ kind: 'DELTA', delta: 'Once upon' });
    const held = await heldAmount(target.budgetId);
    const request = fake.requests.at(-1)!;
    expect(request).toMatchObject({ api: 'anthropic', stream: true });
    sub.stop();
    await expectCutShort(() => request.clientGone === true, target, held, {
      output: 'some',
      reportedInput: 2_000,
    });
    await ws.dispose();
  });

  it('sees its connection closed while it is still silent', async () => {
    const target = await budgetedProject('anthropic silent');
    fake.enqueue('anthropic', { text: 'Never sent.', stallAfterFrames: 0 });
    const requests = fake.requests.length;
    const ws = owner.ws();
    const sub = ws.subscribe<StreamEvent>(STREAM, { input: claude(target.projectId) });
    await eventually(
      async () => fake.requests.length,
      (n) => n > requests,
      POLL_MS,
    );
    const request = fake.requests.at(-1)!;
    const held = await heldAmount(target.budgetId);
    sub.stop();
    await expectCutShort(() => request.clientGone === true, target, held, { output: 'none' });
    await ws.dispose();
  });
});
