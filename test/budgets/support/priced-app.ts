/**
 * The running server with an owner, one project, and an organisation price for the mock model
 * (budgets refuse models they cannot price, and the mock has no catalog price). `pricedOwner`
 * prepares a further organisation the same way, so a test can have budgets of its own.
 */
import { startTestApp, type SeededActor, type TestApp } from '../../helpers/app';

export interface PricedApp {
  app: TestApp;
  owner: SeededActor;
  projectId: string;
}

export interface MockPrices {
  project: string;
  inputPerMTok: string;
  outputPerMTok: string;
}

/** A new organisation whose owner has a project and a price for mock/mock-small. */
export async function pricedOwner(
  app: TestApp,
  options: MockPrices,
): Promise<{ owner: SeededActor; projectId: string }> {
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
    throw new Error(`could not prepare the owner: ${JSON.stringify(created.errors ?? priced.errors)}`);
  }
  return { owner, projectId: created.data.createProject.id };
}

export async function startPricedApp(
  options: MockPrices & { env?: Record<string, string> },
): Promise<PricedApp> {
  process.env.MOCK_PROVIDER = 'on';
  const app = await startTestApp(options.env ? { env: options.env } : undefined);
  try {
    return { app, ...(await pricedOwner(app, options)) };
  } catch (error) {
    await app.stop();
    throw error;
  }
}
