/**
 * useBudgetEnforcement through Yoga's fetch entry point: budgeted fields are checked before
 * their resolver runs, refusals are 402 with the figures, failed fields release their hold, and a
 * guarded resolver refuses to run when the check did not see it.
 */
import {
  GraphQLError,
  GraphQLInt,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  GraphQLInputObjectType,
  GraphQLNonNull,
  GraphQLList,
} from 'graphql';
import { createYoga } from 'graphql-yoga';
import { parseCreateBudget } from '../../src/budgets/budget-input';
import { BudgetEnforcementService } from '../../src/budgets/enforcement.service';
import { CostEstimator } from '../../src/budgets/estimate/estimate';
import { InMemoryPriceOverrideStore } from '../../src/pricing/price-override-store';
import { PricingService } from '../../src/pricing/pricing-service';
import type { AppContext } from '../../src/server/context';
import { useBudgetEnforcement } from '../../src/server/use-budget-enforcement';
import { budgetDecisionOf } from '../../src/server/budget-decisions';
import { describeMessageCall } from '../../src/conversations/budgeted-message';
import { guardBudgeted } from '../../src/schema/budgeted-plugin';
import { InMemoryConversationStore } from '../../src/conversations/conversation-store';
import { createLogger } from '../../src/shared/logger';
import { createMaskError } from '../../src/server/errors';
import { storedMessage } from '../fixtures/messages';
import { startBudgetFixture, type BudgetFixture } from './support/budget-fixture';

let fx: BudgetFixture;
let enforcement: BudgetEnforcementService;
let seq = 0;

const Input = new GraphQLInputObjectType({
  name: 'SendMessageInput',
  fields: {
    provider: { type: new GraphQLNonNull(GraphQLString) },
    model: { type: new GraphQLNonNull(GraphQLString) },
    content: { type: new GraphQLNonNull(GraphQLString) },
    projectId: { type: GraphQLString },
    conversationId: { type: GraphQLString },
    system: { type: GraphQLString },
    maxOutputTokens: { type: GraphQLInt },
    mcpServers: { type: new GraphQLList(GraphQLString) },
    maxToolSteps: { type: GraphQLInt },
  },
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: { ping: { type: GraphQLString, resolve: () => 'pong' } },
  }),
  mutation: new GraphQLObjectType({
    name: 'Mutation',
    fields: {
      sendMessage: {
        type: GraphQLString,
        extensions: { budgeted: describeMessageCall },
        args: { input: { type: new GraphQLNonNull(Input) } },
        resolve: guardBudgeted((_root, args: { input: { content: string } }, context: object, info) => {
          if (args.input.content === 'provider fails') throw new GraphQLError('provider down');
          const held = budgetDecisionOf(context, info).reservation;
          return held ? `held ${held.estimateNano} as ${held.requestId}` : 'no budget';
        }),
      },
      unbudgeted: { type: GraphQLString, resolve: () => 'free' },
    },
  }),
});

const MEMBER = { organizationId: 'org-1', userId: 'u1', apiKeyId: 'k1', role: 'member', projectRoles: {} };

function app(enabled = true, auth: Record<string, unknown> = MEMBER) {
  return createYoga<Record<string, unknown>, AppContext>({
    schema,
    logging: false,
    context: () =>
      ({
        requestId: `req-${(seq += 1)}`,
        logger: createLogger({ level: 'silent' }),
        auth,
        services: { conversations: { readerFor: () => conversations } },
      }) as unknown as AppContext,
    // The app's masking: an AppError thrown by a resolver keeps its code.
    maskedErrors: {
      maskError: createMaskError({ production: false, logger: createLogger({ level: 'silent' }) }),
    },
    plugins: [useBudgetEnforcement({ enforcement: () => enforcement, enabled })],
  });
}

async function send(yoga: ReturnType<typeof app>, content: string, extra: Record<string, unknown> = {}) {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($input: SendMessageInput!) { sendMessage(input: $input) }',
      variables: {
        input: {
          provider: 'openai',
          model: 'gpt-4o',
          content,
          maxOutputTokens: 1000,
          projectId: 'p1',
          ...extra,
        },
      },
    }),
  });
  return {
    status: response.status,
    body: (await response.json()) as {
      data?: unknown;
      errors?: { message: string; extensions: Record<string, unknown> }[];
    },
  };
}

let conversations: InMemoryConversationStore;
const estimator = new CostEstimator(new PricingService(new InMemoryPriceOverrideStore()));

beforeEach(async () => {
  fx = await startBudgetFixture();
  conversations = new InMemoryConversationStore();
  enforcement = new BudgetEnforcementService({
    store: fx.store,
    estimator,
    reservations: fx.reservations,
    clock: fx.clock,
    conversations,
  });
});
afterEach(async () => fx.stop());

const budget = (fields: Record<string, unknown>) =>
  fx.store.insert(
    'org-1',
    parseCreateBudget({ scope: 'PROJECT', scopeId: 'p1', period: 'DAILY', ...fields }),
    null,
  );

it('passes requests with no applicable budget untouched', async () => {
  const { status, body } = await send(app(), 'hi');
  expect(status).toBe(200);
  expect(body.data).toEqual({ sendMessage: 'no budget' });
});

it('reserves the worst case and hands it to the resolver', async () => {
  await budget({ limit: '1' });
  const { body } = await send(app(), 'hello world');
  // 9 input tokens at $2.50/M + 1000 output at $10/M = 10,022,500 nano-USD.
  expect(body.data).toEqual({ sendMessage: expect.stringMatching(/^held 10022500 as req-\d+$/) });
  expect(await fx.models.Reservation.countDocuments({ status: 'HELD' })).toBe(1);
});

it('refuses with 402 and the figures when a budget would be exceeded', async () => {
  const b = await budget({ limit: '0.01' });
  const { status, body } = await send(app(), 'hello world');
  expect(status).toBe(402);
  expect(body.data).toBeUndefined();
  expect(body.errors?.[0]?.extensions).toMatchObject({
    code: 'BUDGET_EXCEEDED',
    budgetId: b.id,
    scope: 'PROJECT',
    period: 'DAILY',
    limit: '0.01',
    spent: '0.00',
    reserved: '0.00',
    requested: '0.0100225',
  });
  expect(body.errors?.[0]?.message).toMatch(/lower maxOutputTokens/);
});

it("applies the user's, key's and organisation's budgets too", async () => {
  await fx.store.insert(
    'org-1',
    parseCreateBudget({ scope: 'API_KEY', scopeId: 'k1', period: 'TOTAL', limit: '0.001' }),
    null,
  );
  const { status, body } = await send(app(), 'hi');
  expect(status).toBe(402);
  expect(body.errors?.[0]?.extensions).toMatchObject({ scope: 'API_KEY', period: 'TOTAL' });
});

it('releases the hold when the field fails', async () => {
  await budget({ limit: '1' });
  const { body } = await send(app(), 'provider fails');
  expect(body.errors?.[0]?.message).toBe('provider down');
  for (
    let i = 0;
    i < 50 && (await fx.models.Reservation.countDocuments({ status: 'RELEASED' })) === 0;
    i += 1
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(await fx.models.Reservation.countDocuments({ status: 'RELEASED' })).toBe(1);
  expect(await fx.models.Counter.findOne().lean()).toMatchObject({ reservedNano: 0 });
});

it('refuses with BUDGET_CHECK_UNAVAILABLE when the price or the store is missing', async () => {
  await budget({ limit: '1' });
  const unpriced = await send(app(), 'hi', { model: 'no-such-model' });
  expect(unpriced.status).toBe(503);
  expect(unpriced.body.errors?.[0]?.extensions.code).toBe('BUDGET_CHECK_UNAVAILABLE');
  await fx.connection.close();
  const down = await send(app(), 'hi');
  expect(down.body.errors?.[0]?.extensions.code).toBe('BUDGET_CHECK_UNAVAILABLE');
  // Stop this fixture's database before replacing it: afterEach stops only the new one.
  await fx.stop();
  fx = await startBudgetFixture();
});

it('leaves queries and unbudgeted fields alone; switched off, budgeted fields refuse to run', async () => {
  await budget({ limit: '0' });
  const yoga = app();
  const q = await yoga.fetch('http://yoga/graphql?query=%7Bping%7D');
  expect(await q.json()).toEqual({ data: { ping: 'pong' } });
  const m = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation { unbudgeted }' }),
  });
  expect(await m.json()).toEqual({ data: { unbudgeted: 'free' } });
  const off = await send(app(false), 'hi');
  expect(off.body.data).toEqual({ sendMessage: null });
  expect(off.body.errors?.[0]?.extensions.code).toBe('BUDGET_CHECK_UNAVAILABLE');
});

describe('the worst case counts everything the model is sent', () => {
  const heldAmount = (data: unknown) =>
    BigInt(/^held (\d+) as/.exec((data as { sendMessage: string }).sendMessage)![1]!);
  // gpt-4o: $2.50/M input, $10/M output; 1000 output tokens.
  const worstCase = (texts: string[], system?: string) =>
    BigInt(estimator.countInputTokens({ provider: 'openai', model: 'gpt-4o', system, messages: texts })) *
      2500n +
    1000n * 10_000n;

  async function seedConversation(organizationId: string, projectId: string, userId = 'u1') {
    const at = new Date('2026-03-10T11:00:00Z');
    await conversations.create({
      id: `c-${organizationId}`,
      organizationId,
      projectId,
      userId,
      title: 't',
      createdAt: at,
      updatedAt: at,
    });
    const long = 'The quarterly report covers spend by provider and model. '.repeat(40);
    await conversations.addMessages(
      (['user', 'assistant'] as const).map((role, i) =>
        storedMessage({
          id: `m${i}-${organizationId}`,
          conversationId: `c-${organizationId}`,
          organizationId,
          role,
          content: `${role}: ${long}`,
          createdAt: at,
        }),
      ),
    );
    return (await conversations.messages(`c-${organizationId}`)).map((m) => m.content);
  }

  it('holds one model call: each further step of the MCP tool loop holds its own', async () => {
    await budget({ limit: '1' });
    const single = worstCase(['hello world']);
    const bounded = await send(app(), 'hello world', { mcpServers: ['files'], maxToolSteps: 3 });
    expect(heldAmount(bounded.body.data)).toBe(single);
    const defaulted = await send(app(), 'hello world', { mcpServers: ['files'] });
    expect(heldAmount(defaulted.body.data)).toBe(single);
  });

  it('refuses input the request would refuse, with its BAD_USER_INPUT, before holding', async () => {
    await budget({ limit: '1' });
    const { status, body } = await send(app(), 'hello world', { maxToolSteps: 3 });
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: 'Invalid input: maxToolSteps: needs mcpServers',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(await fx.models.Reservation.countDocuments()).toBe(0);
  });

  it('includes the system prompt', async () => {
    await budget({ limit: '1' });
    const system = 'You are a careful financial analyst. Answer in three sentences.';
    const { body } = await send(app(), 'hello world', { system });
    expect(heldAmount(body.data)).toBe(worstCase(['hello world'], system));
    expect(heldAmount(body.data)).toBeGreaterThan(worstCase(['hello world']));
  });

  it("includes earlier turns of a continued conversation and applies the conversation's project budget", async () => {
    const caller = { ...MEMBER, projectRoles: { p2: 'member' } };
    const history = await seedConversation('org-1', 'p2');
    const project = await fx.store.insert(
      'org-1',
      parseCreateBudget({ scope: 'PROJECT', scopeId: 'p2', period: 'DAILY', limit: '1' }),
      null,
    );
    const { body } = await send(app(true, caller), 'and next quarter?', {
      conversationId: 'c-org-1',
      projectId: null,
    });
    const expected = worstCase([...history, 'and next quarter?']);
    expect(heldAmount(body.data)).toBe(expected);
    expect(expected - worstCase(['and next quarter?'])).toBeGreaterThan(2n * 400n * 2500n);
    const held = await fx.models.Reservation.findOne({ status: 'HELD' }).lean();
    expect(held?.items.map((i) => String(i.budgetId))).toEqual([project.id]);
  });

  it("ignores a conversation the caller may not continue (another tenant's or another user's)", async () => {
    await budget({ limit: '1' });
    await seedConversation('org-2', 'p1');
    await seedConversation('org-1', 'p1', 'someone-else');
    const caller = { ...MEMBER, projectRoles: { p1: 'member' } };
    for (const conversationId of ['c-org-2', 'c-org-1', 'missing']) {
      const { body } = await send(app(true, caller), 'hi', { conversationId });
      expect(heldAmount(body.data)).toBe(worstCase(['hi']));
    }
  });

  it('refuses with BUDGET_CHECK_UNAVAILABLE when the conversation cannot be read', async () => {
    await budget({ limit: '1' });
    jest.spyOn(conversations, 'messages').mockRejectedValueOnce(new Error('conversations down'));
    const caller = { ...MEMBER, projectRoles: { p1: 'member' } };
    const { status, body } = await send(app(true, caller), 'hi', { conversationId: 'c-1' });
    expect(status).toBe(503);
    expect(body.errors?.[0]?.extensions.code).toBe('BUDGET_CHECK_UNAVAILABLE');
  });
});
