/**
 * End to end over HTTP and graphql-ws: messages through the fake OpenAI, Anthropic and Gemini
 * servers (cached, cache-write and reasoning tokens; streamed and not) and the mock; each cost
 * equals a value computed by hand; costUpdates delivers the records; breakdowns sum exactly; an
 * unpriced model is flagged, then repriced by setModelPrice.
 */
import { startFakeProviders, type FakeProviderServer } from '../fakes/fake-provider-server';
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';

let fake: FakeProviderServer;
let app: TestApp;
let owner: SeededActor;
let projectId: string;

beforeAll(async () => {
  fake = await startFakeProviders();
  Object.assign(process.env, {
    OPENAI_API_KEY: 'sk-test',
    OPENAI_BASE_URL: fake.openaiBaseURL,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    ANTHROPIC_BASE_URL: fake.anthropicBaseURL,
    GOOGLE_API_KEY: 'g-test',
    GOOGLE_BASE_URL: fake.googleBaseURL,
    MOCK_PROVIDER: 'on',
    PROVIDER_MAX_RETRIES: '0',
  });
  app = await startTestApp();
  owner = await app.seed.createOwner();
  const created = await owner.graphql<{ createProject: { id: string } }>(
    'mutation { createProject(input: { name: "costs" }) { id } }',
  );
  projectId = created.data!.createProject.id;
});

afterAll(async () => {
  await app?.stop();
  await fake?.stop();
});

const SEND = `mutation($input: SendMessageInput!) {
  sendMessage(input: $input) {
    requestId
    message { content role }
    conversation { id }
    usage { inputUncached cacheRead cacheWrite5m cacheWrite1h output reasoning }
    cost { status amount breakdown { inputUncached cacheRead cacheWrite5m cacheWrite1h output reasoning total } priceVersions }
  }
}`;

async function send(provider: string, model: string, content = 'hello') {
  const res = await owner.graphql(SEND, { input: { projectId, provider, model, content } });
  expect(res.errors).toBeUndefined();
  return res.data.sendMessage;
}

it('prices an OpenAI Responses answer with cached and reasoning tokens, and costUpdates delivers the record', async () => {
  const ws = owner.ws();
  const updates = ws.subscribe<{ costUpdates: { requestId: string; cost: { total: string }; kind: string } }>(
    'subscription { costUpdates(filter: { provider: "openai" }) { requestId kind cost { total } } }',
  );
  await ws.connected;
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the subscription register
  fake.enqueue('openai-responses', {
    text: 'Answer.',
    usage: {
      input_tokens: 5000,
      input_tokens_details: { cached_tokens: 4096 },
      output_tokens: 1200,
      output_tokens_details: { reasoning_tokens: 1024 },
      total_tokens: 6200,
    },
  });
  const result = await send('openai', 'o4-mini');
  // o4-mini: $1.10 input, $0.275 cached, $4.40 output (reasoning billed as output) per MTok
  // 904 × 1.10 = 994.4 µ$; 4096 × 0.275 = 1126.4 µ$; 176 × 4.40 = 774.4 µ$; 1024 × 4.40 = 4505.6 µ$
  expect(result.usage).toEqual({
    inputUncached: 904,
    cacheRead: 4096,
    cacheWrite5m: 0,
    cacheWrite1h: 0,
    output: 176,
    reasoning: 1024,
  });
  expect(result.cost).toMatchObject({ status: 'PRICED', amount: '0.0074008' });
  const [update] = await updates.next(1, 10_000);
  expect(update?.costUpdates).toEqual({
    requestId: result.requestId,
    kind: 'CHARGE',
    cost: { total: '0.0074008' },
  });
  await ws.dispose();
});

it('prices a streamed Anthropic answer with 5m and 1h cache writes exactly like a plain one', async () => {
  fake.enqueue('anthropic', {
    text: 'Streamed from the cache.',
    usage: {
      input_tokens: 12,
      cache_creation_input_tokens: 3000,
      cache_read_input_tokens: 20000,
      cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
      output_tokens: 450,
    },
  });
  const ws = owner.ws();
  const sub = ws.subscribe<{
    streamMessage: { kind: string; delta: string | null; result: { cost: { amount: string } } | null };
  }>(
    `subscription($input: SendMessageInput!) { streamMessage(input: $input) { kind delta result { cost { amount } } } }`,
    { input: { projectId, provider: 'anthropic', model: 'claude-sonnet-4-5', content: 'hi' } },
  );
  const events = await waitForDone(sub);
  expect(
    events
      .filter((e) => e.kind === 'DELTA')
      .map((e) => e.delta)
      .join(''),
  ).toBe('Streamed from the cache.');
  // sonnet-4.5: 12 × 3 + 20000 × 0.30 + 1000 × 3.75 + 2000 × 6 + 450 × 15 (µ$) = 36 + 6000 + 3750 + 12000 + 6750
  expect(events.at(-1)?.result?.cost.amount).toBe('0.028536');
  await ws.dispose();
});

interface StreamEvent {
  kind: string;
  delta: string | null;
  result: { cost: { amount: string } } | null;
}

async function waitForDone(sub: {
  next(n: number, t: number): Promise<{ streamMessage: StreamEvent }[]>;
}): Promise<StreamEvent[]> {
  for (let n = 1; n < 200; n += 1) {
    const values = await sub.next(n, 10_000);
    if (values.at(-1)?.streamMessage.kind === 'DONE') return values.map((v) => v.streamMessage);
  }
  throw new Error('no DONE event');
}

it('prices Gemini thoughts as output and cached content at the cache rate; the breakdown sums exactly', async () => {
  fake.enqueue('google', {
    text: 'Gemini.',
    usage: {
      promptTokenCount: 10000,
      cachedContentTokenCount: 8000,
      candidatesTokenCount: 250,
      thoughtsTokenCount: 700,
      totalTokenCount: 10950,
    },
  });
  const result = await send('google', 'gemini-2.5-flash');
  // flash: $0.30 input, $0.03 cached, $2.50 output: 2000 × 0.30 + 8000 × 0.03 + 950 × 2.50 (µ$) = 600 + 240 + 2375
  expect(result.cost.amount).toBe('0.003215');

  // Wait until the three records so far exist, then check the breakdown adds up to them.
  let breakdown;
  for (let i = 0; i < 100; i += 1) {
    const res = await owner.graphql(
      '{ costBreakdown(groupBy: [PROVIDER], timezone: "Europe/Paris") { groups { key { provider } totals { cost { total } requests } } total { cost { total } requests } } }',
    );
    breakdown = res.data.costBreakdown;
    if (breakdown.total.requests >= 3) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(breakdown.groups).toEqual([
    { key: { provider: 'anthropic' }, totals: { cost: { total: '0.028536' }, requests: 1 } },
    { key: { provider: 'google' }, totals: { cost: { total: '0.003215' }, requests: 1 } },
    { key: { provider: 'openai' }, totals: { cost: { total: '0.0074008' }, requests: 1 } },
  ]);
  expect(breakdown.total).toEqual({ cost: { total: '0.0391518' }, requests: 3 });
});

it('flags an unpriced model, then setModelPrice reprices it with an adjustment', async () => {
  const result = await send(
    'mock',
    'mock-large',
    '::mock {"text":"x","usage":{"inputUncached":2000,"output":1000}}',
  );
  expect(result.cost).toMatchObject({ status: 'UNPRICED', amount: null });
  const filter = '{ provider: "mock" }';
  for (let i = 0; i < 100; i += 1) {
    const res = await owner.graphql(`{ costRecords(filter: ${filter}) { edges { node { status } } } }`);
    if (res.data.costRecords.edges.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const set = await owner.graphql(
    `mutation { setModelPrice(input: { provider: "mock", model: "mock-large", inputPerMTok: "3", outputPerMTok: "15", effectiveFrom: "2020-01-01T00:00:00Z" }) { repricing repricedRequests price { origin rates { inputPerMTok } } } }`,
  );
  expect(set.errors).toBeUndefined();
  // The mutation returns at once; the repricing job writes the adjustment.
  expect(set.data.setModelPrice).toEqual({
    repricing: 'QUEUED',
    repricedRequests: 0,
    price: { origin: 'OVERRIDE', rates: { inputPerMTok: '3.00' } },
  });
  for (let i = 0; i < 200; i += 1) {
    const adjusted = await owner.graphql(`{ costRecords(filter: ${filter}) { edges { node { kind } } } }`);
    if (adjusted.data.costRecords.edges.length > 1) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const res = await owner.graphql(
    `{ costBreakdown(filter: ${filter}, groupBy: [MODEL]) { total { cost { total } requests unpricedRequests } } costRecords(filter: ${filter}) { edges { node { kind status } } } }`,
  );
  // 2000 × $3 + 1000 × $15 per MTok = $0.021
  expect(res.data.costBreakdown.total).toEqual({
    cost: { total: '0.021' },
    requests: 1,
    unpricedRequests: 0,
  });
  expect(res.data.costRecords.edges.map((e: { node: { kind: string } }) => e.node.kind).sort()).toEqual([
    'ADJUSTMENT',
    'CHARGE',
  ]);
});

it('lists providers, prices and conversations, and keeps other tenants out', async () => {
  const res = await owner.graphql(
    '{ providers { id isMock } modelPrices(provider: "openai") { model } conversations(first: 2) { edges { node { id } } hasNextPage endCursor } }',
  );
  expect(res.errors).toBeUndefined();
  expect(res.data.providers.map((p: { id: string }) => p.id)).toEqual([
    'openai',
    'anthropic',
    'google',
    'mock',
  ]);
  expect(res.data.modelPrices.map((p: { model: string }) => p.model)).toContain('gpt-4o');
  expect(res.data.conversations.hasNextPage).toBe(true);
  const other = await app.seed.createOwner();
  const theirs = await other.graphql(
    '{ costBreakdown(groupBy: [PROVIDER]) { total { requests } } costRecords { edges { node { id } } } }',
  );
  expect(theirs.data.costBreakdown.total.requests).toBe(0);
  expect(theirs.data.costRecords.edges).toEqual([]);
  const bad = await owner.graphql(SEND, {
    input: { projectId, provider: 'nope', model: 'x', content: 'hi' },
  });
  expect(bad.errors?.[0]?.extensions?.code).toBe('PROVIDER_NOT_CONFIGURED');
});

it('pages cost records and conversations with cursors, shows messages, and refuses bad arguments', async () => {
  const page1 = await owner.graphql(
    '{ costRecords(first: 2) { edges { cursor node { id } } hasNextPage endCursor } }',
  );
  expect(page1.data.costRecords.edges).toHaveLength(2);
  expect(page1.data.costRecords.hasNextPage).toBe(true);
  const page2 = await owner.graphql(
    'query($after: String) { costRecords(first: 50, after: $after) { edges { node { id } } hasNextPage } }',
    {
      after: page1.data.costRecords.endCursor,
    },
  );
  const ids = [...page1.data.costRecords.edges, ...page2.data.costRecords.edges].map(
    (e: { node: { id: string } }) => e.node.id,
  );
  expect(new Set(ids).size).toBe(ids.length);
  expect(page2.data.costRecords.hasNextPage).toBe(false);

  const convs = await owner.graphql(
    '{ conversations(first: 1) { edges { node { id messages { role content } } } endCursor } }',
  );
  const [edge] = convs.data.conversations.edges;
  expect(edge.node.messages.map((m: { role: string }) => m.role)).toEqual(['USER', 'ASSISTANT']);
  const one = await owner.graphql('query($id: ID!) { conversation(id: $id) { id title } }', {
    id: edge.node.id,
  });
  expect(one.data.conversation.id).toBe(edge.node.id);
  const next = await owner.graphql(
    'query($after: String) { conversations(first: 1, after: $after) { edges { node { id } } } }',
    {
      after: convs.data.conversations.endCursor,
    },
  );
  expect(next.data.conversations.edges[0].node.id).not.toBe(edge.node.id);

  const prices = await owner.graphql(
    '{ modelPrices(provider: "google") { model current { version tiers { abovePromptTokens rates { inputPerMTok } } } } }',
  );
  const pro = prices.data.modelPrices.find((p: { model: string }) => p.model === 'gemini-2.5-pro');
  expect(pro.current.tiers).toEqual([{ abovePromptTokens: 200000, rates: { inputPerMTok: '2.50' } }]);

  const badCursor = await owner.graphql('{ costRecords(after: "garbage") { hasNextPage } }');
  expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const otherOrg = await owner.graphql(
    '{ costBreakdown(filter: { organizationId: "someone-else" }, groupBy: [DAY]) { total { requests } } }',
  );
  expect(otherOrg.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const backwards = await owner.graphql(
    '{ costBreakdown(filter: { from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }, groupBy: [DAY]) { total { requests } } }',
  );
  expect(backwards.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const badZone = await owner.graphql(
    '{ costBreakdown(groupBy: [DAY], timezone: "Nowhere/Land") { total { requests } } }',
  );
  expect(badZone.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

it('lets a member see only their projects’ costs and refuses setModelPrice to non-admins', async () => {
  const member = await app.seed.createUser(owner, 'member');
  const res = await member.graphql('{ costBreakdown(groupBy: [PROJECT]) { total { requests } } }');
  expect(res.data.costBreakdown.total.requests).toBe(0);
  const set = await member.graphql(
    'mutation { setModelPrice(input: { provider: "mock", model: "mock-small", inputPerMTok: "1", outputPerMTok: "1", effectiveFrom: "2020-01-01T00:00:00Z" }) { repricedRequests } }',
  );
  expect(set.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  const send = await member.graphql(SEND, {
    input: { projectId, provider: 'mock', model: 'mock-small', content: 'hi' },
  });
  expect(send.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});
