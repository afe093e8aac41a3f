/**
 * `npm start`: the API (HTTP + graphql-ws) and, unless API_ONLY=true, the job
 * worker in one process. On an empty database it creates the default organisation
 * and prints the owner's API key once.
 */
import { startProcessRuntime, configOrExit, exitOnStartFailure } from './app/start';
import { buildApp } from './server/app';
import { onShutdownSignals } from './server/shutdown';

async function main(): Promise<void> {
  const config = configOrExit();
  const { runtime, logger } = await startProcessRuntime(config, !config.API_ONLY);
  const bootstrap = await runtime.services.onboarding.bootstrap({
    organizationName: config.BOOTSTRAP_ORG_NAME,
    ownerEmail: config.BOOTSTRAP_OWNER_EMAIL,
    adminKey: config.BOOTSTRAP_ADMIN_KEY,
  });
  const app = buildApp({ ...runtime, ready: () => runtime.ready(), onStop: () => runtime.stop() });
  const url = await app.start(config.PORT);
  onShutdownSignals(() => app.stop(), logger);

  const lines = [``, `  GraphQL API   ${url}`, `  Subscriptions ${app.wsUrl} (graphql-ws) and SSE`];
  if (bootstrap.created) {
    lines.push(
      `  Organisation  ${bootstrap.organization.name} (owner ${bootstrap.owner.email})`,
      config.BOOTSTRAP_ADMIN_KEY
        ? `  Admin key     the value of BOOTSTRAP_ADMIN_KEY`
        : `  Admin key     ${bootstrap.key.secret}\n                (shown once: store it now)`,
    );
    if (!config.PLATFORM_ADMIN_ORG_IDS?.length) {
      // Performance data span every tenant, so only listed organisations may read them.
      lines.push(
        `  Monitoring    set PLATFORM_ADMIN_ORG_IDS=${bootstrap.organization._id.toHexString()} to read it`,
      );
    }
  }
  lines.push(`  Workers       ${config.API_ONLY ? 'off (API_ONLY=true)' : 'on'}`, ``);
  process.stdout.write(`${lines.join('\n')}\n`);
  logger.info({ url, worker: !config.API_ONLY }, 'server started');
}

main().catch(exitOnStartFailure);
