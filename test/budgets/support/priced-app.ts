/**
 * The running server with an owner, one project, and an organisation price for the mock model
 * (budgets refuse models they cannot price, and the mock has no catalog price).
 */
import { startTestApp, type SeededActor, type TestApp } from '../../helpers/app';

export interface PricedApp {
  app: TestApp;
  owner: SeededActor;
  projectId: string;
}

export async function startPricedApp(options: {
  project: string;
  inputPerMTok: string;
  outputPerMTok: string;
  env?: Record<string, string>;
}): Promise<PricedApp> {
  process.env.MOCK_PROVIDER = 'on';
  const app = await startTestApp(options.env ? { env: options.env } : undefined);
  const owner = await app.seed.createOwner();
  const created = await owner.graphql('mutation($n: String!) { createProject(input: { name: $n }) { id } }', {
    n: options.project,
  });
  const priced = await owner.graphql(
    `mutation($i: SetModelPriceInput!) { setModelPrice(input: $i) { __typename } }`,
    {
      i: {
        provider: 'mock',
        model: 'mock-small',
        inputPerMTok: options.inputPerMTok,
        outputPerMTok: options.outputPerMTok,
        effectiveFrom: '2020-01-01T00:00:00Z',
      },
    },
  );
  if (created.errors || priced.errors) {
    await app.stop();
    throw new Error(`could not prepare the app: ${JSON.stringify(created.errors ?? priced.errors)}`);
  }
  return { app, owner, projectId: created.data.createProject.id };
}
