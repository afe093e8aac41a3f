/**
 * Property: however a valid document reaches sendMessage, every execution of its resolver ran
 * under a hold made for it, and there are exactly as many holds as executed copies. 200 random
 * documents (seeded, so a failure is reproducible) nest named fragments, inline fragments with and
 * without type conditions, aliases, repeated spreads and @skip/@include with literals and
 * variables. Each runs in process through the app's Yoga (`yoga.fetch`: the real plugins and real
 * services, no socket); the expected copies come from an independent reading of the generated
 * document. A doubling-fragment document is refused by the query limits without anything held.
 */
import { startTestApp, type SeededActor, type TestApp } from '../helpers/app';
import { pricedOwner } from './support/priced-app';

let app: TestApp;
let owner: SeededActor;
let projectId: string;

beforeAll(async () => {
  process.env.MOCK_PROVIDER = 'on';
  // No worker: holds stay held (the budget is roomy), and nothing runs beside the property.
  app = await startTestApp({ worker: false, env: { RATE_LIMIT_PER_MINUTE: '0' } });
  ({ owner, projectId } = await pricedOwner(app, { project: 'p', inputPerMTok: '0', outputPerMTok: '10' }));
  const created = await owner.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    { input: { scope: 'PROJECT', scopeId: projectId, period: 'DAILY', limit: '1000' } },
  );
  expect(created.errors).toBeUndefined();
});

afterAll(async () => app?.stop());

/** mulberry32: a small seeded PRNG, so every run generates the same documents. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Directive = { kind: 'skip' | 'include'; arg: boolean | string } | null;
type Selection =
  | { kind: 'field'; key: string; directive: Directive }
  | { kind: 'inline'; typed: boolean; directive: Directive; selections: Selection[] }
  | { kind: 'spread'; fragment: number; directive: Directive };

const KEYS = ['sendMessage', 'a', 'b'];
const FLAGS = ['f0', 'f1', 'f2'];

function generate(random: () => number) {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const directive = (): Directive =>
    random() < 0.5
      ? null
      : {
          kind: pick(['skip', 'include'] as const),
          arg: random() < 0.4 ? random() < 0.5 : `$${pick(FLAGS)}`,
        };
  // Fragment k may spread only fragments below k: no cycles.
  const selections = (depth: number, below: number): Selection[] =>
    Array.from({ length: 1 + Math.floor(random() * 3) }, (): Selection => {
      const roll = random();
      if (depth <= 0 || roll < 0.4) return { kind: 'field', key: pick(KEYS), directive: directive() };
      if (roll < 0.7 && below > 0)
        return { kind: 'spread', fragment: Math.floor(random() * below), directive: directive() };
      return {
        kind: 'inline',
        typed: random() < 0.7,
        directive: directive(),
        selections: selections(depth - 1, below),
      };
    });
  const fragments = Array.from({ length: 4 }, (_, k) => selections(2, k));
  const operation = selections(3, fragments.length);
  const flags = Object.fromEntries(FLAGS.map((f) => [f, random() < 0.5]));
  return { fragments, operation, flags };
}

function print({ fragments, operation }: ReturnType<typeof generate>) {
  const dir = (d: Directive) => (d ? ` @${d.kind}(if: ${d.arg})` : '');
  const set = (items: Selection[]): string =>
    `{ ${items
      .map((s) =>
        s.kind === 'field'
          ? `${s.key === 'sendMessage' ? '' : `${s.key}: `}sendMessage(input: $input)${dir(s.directive)} { requestId }`
          : s.kind === 'spread'
            ? `...F${s.fragment}${dir(s.directive)}`
            : `...${s.typed ? ' on Mutation' : ''}${dir(s.directive)} ${set(s.selections)}`,
      )
      .join(' ')} }`;
  // Only fragments the operation can reach are defined (unused ones fail validation).
  const reached = new Set<number>();
  const reach = (items: Selection[]) => {
    for (const s of items) {
      if (s.kind === 'inline') reach(s.selections);
      if (s.kind === 'spread' && !reached.has(s.fragment)) {
        reached.add(s.fragment);
        reach(fragments[s.fragment]!);
      }
    }
  };
  reach(operation);
  const body = [
    set(operation),
    ...[...reached].map((k) => `fragment F${k} on Mutation ${set(fragments[k]!)}`),
  ];
  const used = FLAGS.filter((f) => body.some((text) => text.includes(`$${f})`)));
  const variables = ['$input: SendMessageInput!', ...used.map((f) => `$${f}: Boolean!`)].join(', ');
  return `mutation(${variables}) ${body.join('\n')}`;
}

/** The response keys that execute, read from the generated document (not from GraphQL). */
function expectedKeys({ fragments, operation, flags }: ReturnType<typeof generate>): Set<string> {
  const keys = new Set<string>();
  const included = (d: Directive) => {
    if (!d) return true;
    const value = typeof d.arg === 'boolean' ? d.arg : flags[d.arg.slice(1)]!;
    return d.kind === 'skip' ? !value : value;
  };
  const walk = (items: Selection[]) => {
    for (const s of items) {
      if (!included(s.directive)) continue;
      if (s.kind === 'field') keys.add(s.key);
      else walk(s.kind === 'inline' ? s.selections : fragments[s.fragment]!);
    }
  };
  walk(operation);
  return keys;
}

async function run(query: string, variables: Record<string, unknown>) {
  const response = await app.app.yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.key}` },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: Record<string, { requestId: string }>;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    },
  };
}

/** Request ids the enforcement service held, and the ones sendMessage ran under. */
function observe() {
  const { enforcement } = app.runtime.services.budgets;
  const held: string[] = [];
  const ran: string[] = [];
  const enforce = enforcement.enforce.bind(enforcement);
  jest.spyOn(enforcement, 'enforce').mockImplementation(async (request) => {
    const reservation = await enforce(request);
    if (reservation) held.push(reservation.requestId);
    return reservation;
  });
  const conversations = app.runtime.services.conversations;
  const send = conversations.sendMessage.bind(conversations);
  jest.spyOn(conversations, 'sendMessage').mockImplementation((caller, input, options) => {
    ran.push(options!.requestId!);
    return send(caller, input, options);
  });
  return { held, ran };
}

afterEach(() => jest.restoreAllMocks());

it('runs every admitted copy of sendMessage under its own hold, one hold per executed copy', async () => {
  const random = prng(20261206);
  const { held, ran } = observe();
  const input = {
    projectId,
    provider: 'mock',
    model: 'mock-small',
    content: `::mock ${JSON.stringify({ text: 'ok', usage: { output: 1 } })}`,
    maxOutputTokens: 10,
  };
  let copies = 0;
  for (let i = 0; i < 200; i += 1) {
    const generated = generate(random);
    const query = print(generated);
    held.length = 0;
    ran.length = 0;
    const { status, body } = await run(query, { input, ...generated.flags });
    const context = `document ${i}:\n${query}\n${JSON.stringify(generated.flags)}`;
    expect([context, status, body.errors]).toEqual([context, 200, undefined]);
    const keys = expectedKeys(generated);
    expect([context, Object.keys(body.data ?? {}).sort()]).toEqual([context, [...keys].sort()]);
    // Every copy that ran had a hold of its own, and nothing was held that did not run.
    expect([context, [...ran].sort()]).toEqual([context, [...held].sort()]);
    expect(new Set(ran).size).toBe(keys.size);
    // Each copy answers under the request id it was held and ran under.
    expect(
      Object.values(body.data ?? {})
        .map((p) => p.requestId)
        .sort(),
    ).toEqual([...ran].sort());
    copies += keys.size;
  }
  // The generator exercised the interesting cases: many copies, and some documents with none.
  expect(copies).toBeGreaterThan(200);
});

it('refuses a doubling-fragment document (2^20 spreads) in validation, holding nothing', async () => {
  const { held, ran } = observe();
  const fragments = ['fragment F0 on Mutation { sendMessage(input: $input) { requestId } }'];
  for (let i = 1; i <= 20; i += 1) fragments.push(`fragment F${i} on Mutation { ...F${i - 1} ...F${i - 1} }`);
  const query = `mutation($input: SendMessageInput!) { ...F20 }\n${fragments.join('\n')}`;
  const { status, body } = await run(query, {
    input: { projectId, provider: 'mock', model: 'mock-small', content: 'hi' },
  });
  expect(status).toBe(400);
  expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
  expect([held, ran]).toEqual([[], []]);
});
