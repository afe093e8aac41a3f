/**
 * useBudgetEnforcement through Yoga's fetch entry point: budgeted fields are checked before
 * their resolver runs, refusals are 402 with the figures, failed fields release their hold.
 */
import {
  GraphQLError,
  GraphQLInt,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  GraphQLInputObjectType,
  GraphQLNonNull,
} from 'graphql';
import { createYoga } from 'graphql-yoga';
import { parseCreateBudget } from '../../src/budgets/budget-input';
import { BudgetEnforcementService } from '../../src/budgets/enforcement.service';
import { CostEstimator } from '../../src/budgets/estimate/estimate';
import { InMemoryPriceOverrideStore } from '../../src/pricing/price-override-store';
import { PricingService } from '../../src/pricing/pricing-service';
import type { AppContext } from '../../src/server/context';
import { budgetReservationOf, useBudgetEnforcement } from '../../src/server/use-budget-enforcement';
import { createLogger } from '../../src/shared/logger';
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
    maxOutputTokens: { type: GraphQLInt },
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
        extensions: { budgeted: true },
        args: { input: { type: new GraphQLNonNull(Input) } },
        resolve: (_root, args: { input: { content: string } }, context, info) => {
          if (args.input.content === 'provider fails') throw new GraphQLError('provider down');
          const held = budgetReservationOf(context, info);
          return held ? `held ${held.estimateNano} as ${held.requestId}` : 'no budget';
        },
      },
      unbudgeted: { type: GraphQLString, resolve: () => 'free' },
    },
  }),
});

function app(enabled = true) {
  return createYoga<Record<string, unknown>, AppContext>({
    schema,
    logging: false,
    context: () =>
      ({
        requestId: `req-${(seq += 1)}`,
        logger: createLogger({ level: 'silent' }),
        auth: { organizationId: 'org-1', userId: 'u1', apiKeyId: 'k1', role: 'member', projectRoles: {} },
      }) as unknown as AppContext,
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

beforeEach(async () => {
  fx = await startBudgetFixture();
  enforcement = new BudgetEnforcementService({
    store: fx.store,
    estimator: new CostEstimator(new PricingService(new InMemoryPriceOverrideStore())),
    reservations: fx.reservations,
    clock: fx.clock,
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
  fx = await startBudgetFixture();
});

it('leaves queries and unbudgeted fields alone, and can be switched off', async () => {
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
  expect((await send(app(false), 'hi')).body.data).toEqual({ sendMessage: 'no budget' });
});
