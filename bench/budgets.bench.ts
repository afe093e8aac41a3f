/**
 * Budget enforcement overhead: the same budgeted mutation through Yoga's fetch entry point with
 * three applicable budgets (API key, user, project; DAILY) versus enforcement off, in one run,
 * on the database chain. Each enforced request estimates, reserves on three counters and
 * writes its reservation. Target: p99 <= 2 ms added.
 */
import {
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { createYoga } from 'graphql-yoga';
import mongoose from 'mongoose';
import { startDatabase } from '../src/db/chain';
import { AlertService } from '../src/budgets/alert.service';
import { parseCreateBudget } from '../src/budgets/budget-input';
import { BudgetStore } from '../src/budgets/budget.store';
import { BudgetEnforcementService } from '../src/budgets/enforcement.service';
import { CostEstimator } from '../src/budgets/estimate/estimate';
import { warmTokenizers } from '../src/budgets/estimate/tokenizer';
import { budgetModels } from '../src/budgets/models';
import { ReservationService } from '../src/budgets/reservation.service';
import { InMemoryPriceOverrideStore } from '../src/pricing/price-override-store';
import { PricingService } from '../src/pricing/pricing-service';
import type { AppContext } from '../src/server/context';
import { useBudgetEnforcement } from '../src/server/use-budget-enforcement';
import { systemClock } from '../src/shared/clock';
import { createLogger } from '../src/shared/logger';
import { type BenchReporter, sample } from './lib';

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
  query: new GraphQLObjectType({ name: 'Query', fields: { ping: { type: GraphQLString } } }),
  mutation: new GraphQLObjectType({
    name: 'Mutation',
    fields: {
      sendMessage: {
        type: GraphQLString,
        extensions: { budgeted: true },
        args: { input: { type: new GraphQLNonNull(Input) } },
        resolve: () => 'ok',
      },
    },
  }),
});

export default async function run(report: BenchReporter): Promise<void> {
  const database = await startDatabase({ dbName: `bench_budgets_${Date.now()}` });
  const connection = await mongoose
    .createConnection(database.uri, { dbName: database.dbName, serverMonitoringMode: 'poll' })
    .asPromise();
  try {
    const models = budgetModels(connection);
    await Promise.all(Object.values(models).map((m) => m.init()));
    const logger = createLogger({ level: 'silent' });
    const store = new BudgetStore(models);
    const alerts = new AlertService(models, systemClock, []);
    const reservations = new ReservationService({
      models,
      clock: systemClock,
      alerts,
      budgets: store,
      logger,
    });
    const enforcement = new BudgetEnforcementService({
      store,
      estimator: new CostEstimator(new PricingService(new InMemoryPriceOverrideStore())),
      reservations,
      clock: systemClock,
    });
    for (const [scope, scopeId] of [
      ['API_KEY', 'k1'],
      ['USER', 'u1'],
      ['PROJECT', 'p1'],
    ]) {
      await store.insert(
        'org-1',
        parseCreateBudget({ scope, scopeId, period: 'DAILY', limit: '1000000' }),
        null,
      );
    }
    warmTokenizers();
    let seq = 0;
    const app = (enabled: boolean) =>
      createYoga<Record<string, unknown>, AppContext>({
        schema,
        logging: false,
        context: () =>
          ({
            requestId: `bench-${(seq += 1)}`,
            logger,
            auth: { organizationId: 'org-1', userId: 'u1', apiKeyId: 'k1', role: 'member', projectRoles: {} },
          }) as unknown as AppContext,
        plugins: [useBudgetEnforcement({ enforcement: () => enforcement, enabled })],
      });
    const body = JSON.stringify({
      query: 'mutation($input: SendMessageInput!) { sendMessage(input: $input) }',
      variables: {
        input: {
          provider: 'openai',
          model: 'gpt-4o-mini',
          content: 'Summarise our spend this week.',
          maxOutputTokens: 500,
          projectId: 'p1',
        },
      },
    });
    const call = (yoga: ReturnType<typeof app>) => async () => {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.text();
    };
    const off = app(false);
    const on = app(true);
    const iterations = Number(process.env.BENCH_BUDGET_ITERATIONS ?? 500);
    report.measure('sendMessage, enforcement off', await sample(call(off), iterations));
    report.measure('sendMessage, 3 budgets enforced', await sample(call(on), iterations), {
      baseline: 'sendMessage, enforcement off',
      target: 'p99 <= 2 ms added',
    });
    report.note(
      `tier ${database.tier}; each enforced request: 1 budget query, 3 conditional $inc, 1 reservation insert`,
    );
  } finally {
    await connection.close();
    await database.stop();
  }
}
