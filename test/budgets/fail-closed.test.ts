/**
 * Fail closed: a budgeted field whose execution the budget check did not decide refuses to run.
 * The app's real schema is served by a Yoga without the enforcement plugin; sendMessage and
 * streamMessage answer BUDGET_CHECK_UNAVAILABLE (503) and the conversation service is never
 * called. The schema build also refuses a budgeted field that is not a root Mutation or
 * Subscription field, or that does not say what to estimate.
 */
import SchemaBuilder from '@pothos/core';
import { createYoga } from 'graphql-yoga';
import BudgetedFieldsPlugin from '../../src/schema/budgeted-plugin';
import { buildSchema } from '../../src/schema';
import { budgetDecisionOf, recordBudgetDecisions } from '../../src/server/budget-decisions';
import type { AppContext } from '../../src/server/context';
import { createMaskError } from '../../src/server/errors';
import { createLogger } from '../../src/shared/logger';

const OWNER = { organizationId: 'org-1', userId: 'u1', apiKeyId: 'k1', role: 'owner', projectRoles: {} };
const logger = createLogger({ level: 'silent' });
const sendMessage = jest.fn();
const streamMessage = jest.fn();

const yoga = createYoga<Record<string, unknown>, AppContext>({
  schema: buildSchema(),
  logging: false,
  maskedErrors: { maskError: createMaskError({ production: false, logger }) },
  context: () =>
    ({
      requestId: 'req-1',
      logger,
      auth: OWNER,
      services: { conversations: { sendMessage, streamMessage, readerFor: () => undefined } },
    }) as unknown as AppContext,
  // No useBudgetEnforcement: nothing decides, so nothing budgeted may run.
});

const input = { provider: 'mock', model: 'mock-small', content: 'hi', projectId: null };

async function post(query: string, accept = 'application/json') {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({ query, variables: { input } }),
  });
  return { status: response.status, text: await response.text() };
}

it('refuses sendMessage, however it is reached, when the budget check did not decide it', async () => {
  for (const query of [
    'mutation($input: SendMessageInput!) { sendMessage(input: $input) { requestId } }',
    'mutation($input: SendMessageInput!) { ...S } fragment S on Mutation { a: sendMessage(input: $input) { requestId } }',
  ]) {
    const { status, text } = await post(query);
    expect(status).toBe(503);
    expect(JSON.parse(text).errors[0].extensions.code).toBe('BUDGET_CHECK_UNAVAILABLE');
  }
  expect(sendMessage).not.toHaveBeenCalled();
});

it('refuses streamMessage over SSE when the budget check did not decide it', async () => {
  const { text } = await post(
    'subscription($input: SendMessageInput!) { streamMessage(input: $input) { kind } }',
    'text/event-stream',
  );
  expect(text).toMatch(/"code":"BUDGET_CHECK_UNAVAILABLE"/);
  expect(streamMessage).not.toHaveBeenCalled();
});

it('admits one execution per decision, on the path it was made for', () => {
  const context = {};
  const path = (key: string) => ({ path: { key, prev: undefined, typename: 'Mutation' } });
  recordBudgetDecisions(context, new Map([['a', { requestId: 'r', reservation: null }]]));
  expect(budgetDecisionOf(context, path('a'))).toEqual({ requestId: 'r', reservation: null });
  expect(() => budgetDecisionOf(context, path('b'))).toThrow(/did not see "b"/);
});

describe('the schema build', () => {
  // The scope-auth plugin's options are required by its global types; this builder has no scopes.
  const newBuilder = () => new SchemaBuilder<object>({ plugins: [BudgetedFieldsPlugin] } as never);

  function build(define: (builder: ReturnType<typeof newBuilder>) => void) {
    const builder = newBuilder();
    builder.queryType({ fields: (t) => ({ ping: t.string({ resolve: () => 'pong' }) }) });
    define(builder);
    return () => builder.toSchema();
  }

  it('refuses a budgeted field below the root: it could run any number of times', () => {
    const build_ = build((builder) => {
      const Thing = builder.objectRef<object>('Thing').implement({
        fields: (t) => ({ costly: t.string({ extensions: { budgeted: () => null }, resolve: () => '' }) }),
      });
      builder.mutationType({ fields: (t) => ({ thing: t.field({ type: Thing, resolve: () => ({}) }) }) });
    });
    expect(build_).toThrow(/Thing.costly is budgeted, but only root Mutation and Subscription fields/);
  });

  it('refuses a budgeted mark that does not say what to estimate', () => {
    const build_ = build((builder) => {
      builder.mutationType({
        fields: (t) => ({ costly: t.string({ extensions: { budgeted: true }, resolve: () => '' }) }),
      });
    });
    expect(build_).toThrow(/Mutation.costly: extensions.budgeted must be a describe/);
  });
});
