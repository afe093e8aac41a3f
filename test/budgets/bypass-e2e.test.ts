/**
 * Budget enforcement cannot be bypassed by how an operation reaches a budgeted field, through the
 * running server over HTTP, SSE and graphql-ws: named, inline and nested fragments, aliases,
 * @skip/@include with literals and variables, literal and variable arguments, batched requests,
 * and streamMessage through a fragment. Each form is refused by a budget that refuses the plain
 * request (nothing held, nothing sent to the provider), and admitted by a roomy one with exactly
 * one settled charge per executed copy.
 */
import type { TestApp } from '../helpers/app';
import { eventually } from '../helpers/poll';
import { budgetTenant, type BudgetTenant } from './support/budget-tenant';
import { startPricedApp } from './support/priced-app';

let app: TestApp;

beforeAll(async () => {
  ({ app } = await startPricedApp({
    project: 'unused',
    inputPerMTok: '0',
    outputPerMTok: '10',
    env: { RATE_LIMIT_PER_MINUTE: '0' },
  }));
});

afterAll(async () => app?.stop());

const TINY = '0.005'; // less than one request's $0.01 worst case
const ROOMY = '1';

const PAYLOAD = '{ requestId }';
const V = '$input: SendMessageInput!';

/** Each form reaches sendMessage once; `literal` has the input written into the document. */
const forms: Record<string, (t: BudgetTenant) => { query: string; variables?: Record<string, unknown> }> = {
  plain: (t) => ({
    query: `mutation(${V}) { sendMessage(input: $input) ${PAYLOAD} }`,
    variables: { input: t.input },
  }),
  'inline fragment': (t) => ({
    query: `mutation(${V}) { ... on Mutation { sendMessage(input: $input) ${PAYLOAD} } }`,
    variables: { input: t.input },
  }),
  'named fragment': (t) => ({
    query: `mutation(${V}) { ...Send } fragment Send on Mutation { sendMessage(input: $input) ${PAYLOAD} }`,
    variables: { input: t.input },
  }),
  'nested fragments': (t) => ({
    query: `mutation(${V}) { ...Outer }
      fragment Outer on Mutation { ... on Mutation { ...Inner } }
      fragment Inner on Mutation { ... { sendMessage(input: $input) ${PAYLOAD} } }`,
    variables: { input: t.input },
  }),
  'literal arguments': (t) => ({
    query: `mutation { ... on Mutation { sendMessage(input: {
      projectId: "${t.projectId}", provider: "mock", model: "mock-small",
      content: ${JSON.stringify(t.input.content)}, maxOutputTokens: 1000 }) ${PAYLOAD} } }`,
  }),
  'variables inside the input': (t) => ({
    query: `mutation($p: ID!, $c: String!, $max: Int) { ...S }
      fragment S on Mutation { sendMessage(input: { projectId: $p, provider: "mock", model: "mock-small",
        content: $c, maxOutputTokens: $max }) ${PAYLOAD} }`,
    variables: { p: t.projectId, c: t.input.content, max: 1000 },
  }),
  '@include(if: $go) true': (t) => ({
    query: `mutation(${V}, $go: Boolean!) { ...S @include(if: $go) }
      fragment S on Mutation { sendMessage(input: $input) ${PAYLOAD} }`,
    variables: { input: t.input, go: true },
  }),
  '@skip(if: false) literal': (t) => ({
    query: `mutation(${V}) { ... on Mutation @skip(if: false) { sendMessage(input: $input) @include(if: true) ${PAYLOAD} } }`,
    variables: { input: t.input },
  }),
  '@skip with a defaulted variable': (t) => ({
    query: `mutation(${V}, $skip: Boolean = false) { sendMessage(input: $input) @skip(if: $skip) ${PAYLOAD} }`,
    variables: { input: t.input },
  }),
};

describe.each(Object.entries(forms))('sendMessage reached through %s', (_name, form) => {
  it('is refused by a budget that refuses the plain request: nothing held, nothing sent', async () => {
    const tenant = await budgetTenant(app, TINY);
    const { query, variables } = form(tenant);
    const res = await tenant.owner.graphql(query, variables);
    expect(res.status).toBe(402);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
    expect(await tenant.reservations()).toEqual([]);
    expect(await tenant.conversations()).toBe(0);
  });

  it('is admitted by a roomy budget, with one settled charge', async () => {
    const tenant = await budgetTenant(app, ROOMY);
    const { query, variables } = form(tenant);
    const res = await tenant.owner.graphql(query, variables);
    expect(res.errors).toBeUndefined();
    const charges = await tenant.settledCharges();
    expect([...charges]).toEqual([[res.data.sendMessage.requestId, 1]]);
  });
});

describe('aliased copies', () => {
  const twice = `mutation(${V}) { a: sendMessage(input: $input) ${PAYLOAD} ...B }
    fragment B on Mutation { b: sendMessage(input: $input) ${PAYLOAD} }`;

  it('hold all or nothing: two copies where one fits are refused, and nothing stays held', async () => {
    const tenant = await budgetTenant(app, '0.015');
    const res = await tenant.owner.graphql(twice, { input: tenant.input });
    expect(res.status).toBe(402);
    expect(res.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
    expect((await tenant.reservations()).filter((r) => r.status === 'HELD')).toEqual([]);
    expect(await tenant.conversations()).toBe(0);
    // The budget is whole again: the plain request still fits.
    const one = await tenant.owner.graphql(forms.plain!(tenant).query, { input: tenant.input });
    expect(one.errors).toBeUndefined();
  });

  it('each hold, run and settle under their own request id', async () => {
    const tenant = await budgetTenant(app, ROOMY);
    const res = await tenant.owner.graphql(twice, { input: tenant.input });
    expect(res.errors).toBeUndefined();
    const { a, b } = res.data as { a: { requestId: string }; b: { requestId: string } };
    expect(b.requestId).toBe(`${a.requestId}#b`);
    const charges = await tenant.settledCharges();
    expect(new Map(charges)).toEqual(
      new Map([
        [a.requestId, 1],
        [b.requestId, 1],
      ]),
    );
    expect(await tenant.conversations()).toBe(2);
  });

  it('merged under one response key run once, with one hold', async () => {
    const tenant = await budgetTenant(app, ROOMY);
    const res = await tenant.owner.graphql(
      `mutation(${V}) { sendMessage(input: $input) ${PAYLOAD} ... on Mutation { sendMessage(input: $input) ${PAYLOAD} } }`,
      { input: tenant.input },
    );
    expect(res.errors).toBeUndefined();
    expect([...(await tenant.settledCharges()).values()]).toEqual([1]);
  });
});

describe('a skipped field is neither held nor run', () => {
  it.each([
    [
      '@skip(if: $s) with s true',
      `mutation(${V}, $s: Boolean!) { sendMessage(input: $input) @skip(if: $s) ${PAYLOAD} }`,
      { s: true },
    ],
    [
      '@include(if: $i) with i false',
      `mutation(${V}, $i: Boolean!) { ...S @include(if: $i) } fragment S on Mutation { sendMessage(input: $input) ${PAYLOAD} }`,
      { i: false },
    ],
    [
      'a defaulted $s = true',
      `mutation(${V}, $s: Boolean = true) { ... on Mutation @skip(if: $s) { sendMessage(input: $input) ${PAYLOAD} } }`,
      {},
    ],
  ])('%s', async (_name, query, variables) => {
    const tenant = await budgetTenant(app, TINY);
    const res = await tenant.owner.graphql(query, { input: tenant.input, ...variables });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({});
    expect(await tenant.reservations()).toEqual([]);
    expect(await tenant.conversations()).toBe(0);
  });
});

it('releases the hold of a copy that never ran (its scopes refused the caller)', async () => {
  const tenant = await budgetTenant(app, ROOMY);
  const viewer = await app.seed.createUser(tenant.owner, 'viewer');
  const res = await viewer.graphql(forms['named fragment']!(tenant).query, { input: tenant.input });
  expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  // The check holds before the field's scopes run; the copy never ran, so its hold is let go.
  const released = await eventually(tenant.reservations, (all) => all.every((r) => r.status === 'RELEASED'));
  expect(released.map((r) => r.status)).toEqual(['RELEASED']);
  expect(await tenant.conversations()).toBe(0);
});

it('refuses variables that fail coercion before holding or sending anything', async () => {
  const tenant = await budgetTenant(app, ROOMY);
  const res = await tenant.owner.graphql(
    `mutation(${V}, $s: Boolean!) { sendMessage(input: $input) @skip(if: $s) ${PAYLOAD} }`,
    {
      input: tenant.input,
      s: 'no',
    },
  );
  expect(res.status).toBe(400);
  expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(await tenant.reservations()).toEqual([]);
  expect(await tenant.conversations()).toBe(0);
});

it('refuses input the request would refuse with its BAD_USER_INPUT, before any hold', async () => {
  const tenant = await budgetTenant(app, ROOMY);
  const res = await tenant.owner.graphql(forms['named fragment']!(tenant).query, {
    input: { ...tenant.input, content: '' },
  });
  expect(res.status).toBe(400);
  expect(res.errors?.[0]).toMatchObject({
    message: 'Invalid input: content: must not be empty',
    extensions: { code: 'BAD_USER_INPUT' },
  });
  expect(await tenant.reservations()).toEqual([]);
});

it('does not execute a batched request array (batching is off)', async () => {
  const tenant = await budgetTenant(app, TINY);
  const one = { query: forms['named fragment']!(tenant).query, variables: { input: tenant.input } };
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.owner.key}` },
    body: JSON.stringify([one, one]),
  });
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(await tenant.reservations()).toEqual([]);
  expect(await tenant.conversations()).toBe(0);
});

it('refuses sendMessage through a fragment over graphql-ws too', async () => {
  const tenant = await budgetTenant(app, TINY);
  const connection = tenant.owner.ws();
  await connection.connected;
  try {
    const sent = connection.subscribe(forms['nested fragments']!(tenant).query, { input: tenant.input });
    await eventually(
      async () => sent.errors.length,
      (n) => n > 0,
    );
    expect(sent.values).toEqual([]);
    expect((sent.errors as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code)).toEqual([
      'BUDGET_EXCEEDED',
    ]);
  } finally {
    await connection.dispose();
  }
  expect(await tenant.reservations()).toEqual([]);
  expect(await tenant.conversations()).toBe(0);
});

describe('streamMessage through a fragment', () => {
  const STREAM = `subscription($input: SendMessageInput!) { ...S }
    fragment S on Subscription { ... on Subscription { streamMessage(input: $input) { kind result { requestId } } } }`;

  interface SseEvent {
    data?: { streamMessage?: { kind: string; result: { requestId: string } | null } };
    errors?: { extensions?: Record<string, unknown> }[];
  }

  /** The SSE events of one subscription over HTTP, read until the server completes it. */
  async function sse(tenant: BudgetTenant) {
    const response = await fetch(app.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${tenant.owner.key}`,
      },
      body: JSON.stringify({ query: STREAM, variables: { input: tenant.input } }),
    });
    const text = await response.text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('data:') && line.length > 'data:'.length)
      .map((line) => JSON.parse(line.slice('data:'.length)) as SseEvent);
  }

  async function ws(tenant: BudgetTenant) {
    const connection = tenant.owner.ws();
    await connection.connected;
    const sub = connection.subscribe<{
      streamMessage: { kind: string; result: { requestId: string } | null };
    }>(STREAM, { input: tenant.input });
    try {
      const until = Date.now() + 15_000;
      while (
        !sub.errors.length &&
        !sub.values.some((v) => v.streamMessage.kind === 'DONE') &&
        Date.now() < until
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return { values: sub.values, errors: sub.errors as { extensions?: Record<string, unknown> }[] };
    } finally {
      await connection.dispose();
    }
  }

  it('over SSE: refused by a tiny budget, admitted and settled under a roomy one', async () => {
    const tight = await budgetTenant(app, TINY);
    const refused = await sse(tight);
    expect(refused.flatMap((e) => e.errors ?? []).map((e) => e.extensions?.code)).toEqual([
      'BUDGET_EXCEEDED',
    ]);
    expect(await tight.reservations()).toEqual([]);
    expect(await tight.conversations()).toBe(0);

    const roomy = await budgetTenant(app, ROOMY);
    const events = await sse(roomy);
    const done = events.find((e) => e.data?.streamMessage?.kind === 'DONE');
    expect(done).toBeDefined();
    expect([...(await roomy.settledCharges())]).toEqual([[done!.data!.streamMessage!.result!.requestId, 1]]);
  });

  it('over graphql-ws: refused by a tiny budget, admitted and settled under a roomy one', async () => {
    const tight = await budgetTenant(app, TINY);
    const refused = await ws(tight);
    expect(refused.values).toEqual([]);
    expect(refused.errors.map((e) => e.extensions?.code)).toEqual(['BUDGET_EXCEEDED']);
    expect(await tight.reservations()).toEqual([]);
    expect(await tight.conversations()).toBe(0);

    const roomy = await budgetTenant(app, ROOMY);
    const admitted = await ws(roomy);
    expect(admitted.errors).toEqual([]);
    const done = admitted.values.find((v) => v.streamMessage.kind === 'DONE');
    expect([...(await roomy.settledCharges())]).toEqual([[done!.streamMessage.result!.requestId, 1]]);
  });
});
