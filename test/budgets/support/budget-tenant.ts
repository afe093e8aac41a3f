/**
 * A fresh organisation with a priced mock model and one daily project budget, plus what budget
 * bypass tests look at: its reservations, whether anything reached the provider (a sent message
 * always stores its conversation), and the settled charges of admitted requests.
 *
 * Prices: input free, output $10 per million tokens. A request with maxOutputTokens 1000 holds
 * exactly $0.01; the mock answers with 10 output tokens ($0.0001).
 */
import { MongoCostRecordStore } from '../../../src/costs/mongo-cost-stores';
import type { SeededActor, TestApp } from '../../helpers/app';
import { eventually } from '../../helpers/poll';
import { pricedOwner } from './priced-app';

export const WORST_CASE_USD = 0.01;
const CONTENT = `::mock ${JSON.stringify({ text: 'ok', usage: { output: 10 } })}`;

export interface BudgetTenant {
  owner: SeededActor;
  projectId: string;
  /** A valid SendMessageInput for the budgeted project. */
  input: { projectId: string; provider: string; model: string; content: string; maxOutputTokens: number };
  reservations(): Promise<{ _id: string; status: string }[]>;
  /** Conversations stored: zero means no request reached the provider. */
  conversations(): Promise<number>;
  /** Waits until no hold is open, then returns the charge records per request id. */
  settledCharges(): Promise<Map<string, number>>;
}

export async function budgetTenant(app: TestApp, limit: string): Promise<BudgetTenant> {
  const { owner, projectId } = await pricedOwner(app, {
    project: 'bypass',
    inputPerMTok: '0',
    outputPerMTok: '10',
  });
  const created = await owner.graphql(
    'mutation($input: CreateBudgetInput!) { createBudget(input: $input) { id } }',
    { input: { scope: 'PROJECT', scopeId: projectId, period: 'DAILY', limit } },
  );
  if (created.errors) throw new Error(`could not create the budget: ${JSON.stringify(created.errors)}`);
  const { models } = app.runtime.services.budgets;
  const reservations = async () =>
    (await models.Reservation.find({ organizationId: owner.organizationId }).lean()).map((r) => ({
      _id: String(r._id),
      status: r.status,
    }));
  return {
    owner,
    projectId,
    input: { projectId, provider: 'mock', model: 'mock-small', content: CONTENT, maxOutputTokens: 1000 },
    reservations,
    async conversations() {
      const listed = await owner.graphql('{ conversations(first: 100) { edges { node { id } } } }');
      return listed.data.conversations.edges.length as number;
    },
    async settledCharges() {
      await eventually(reservations, (all) => all.every((r) => r.status === 'SETTLED'), 30_000);
      // The cost job writes the record before it settles the hold.
      const records = await new MongoCostRecordStore(app.runtime.db).find({
        organizationId: owner.organizationId,
      });
      const charges = new Map<string, number>();
      for (const record of records.filter((r) => r.kind === 'charge')) {
        charges.set(record.requestId, (charges.get(record.requestId) ?? 0) + 1);
      }
      return charges;
    },
  };
}
