/**
 * `ai mcp setup [server]`: asks (setup-wizard.ts), plans and applies (src/mcp/setup), reports.
 * Every question has a flag, so the same command runs in CI; the all-or-nothing apply is a service
 * the server could reuse.
 */
import { Args, Flags } from '@oclif/core';
import { McpCommand } from '../../lib/base-command';
import { renderTable, formatMs } from '../../lib/output';
import type * as Catalog from '../../../src/mcp/setup/catalog';
import type * as Plan from '../../../src/mcp/setup/setup-plan';
import type * as Apply from '../../../src/mcp/setup/apply-setup';
import type * as Probe from '../../../src/mcp/probe';
import type * as Discover from '../../../src/mcp/setup/discover-servers';
import type * as CliLogger from '../../lib/logger';
import type * as Wizard from '../../lib/setup-wizard';
import type * as Summary from '../../lib/setup-summary';
import path from 'node:path';

export default class McpSetup extends McpCommand {
  static override description =
    'Add or update an MCP server: asks for keys (masked) and settings, stores secrets in .env (0600, git-ignored), installs the package, validates, tests, discovers its tools and writes .mcp.json only if all of that worked.';

  static override examples = [
    '<%= config.bin %> mcp setup',
    '<%= config.bin %> mcp setup --list',
    '<%= config.bin %> mcp setup sequential-thinking --install local --yes',
    '<%= config.bin %> mcp setup brave-search --secret BRAVE_API_KEY=$BRAVE_API_KEY --yes --json',
    '<%= config.bin %> mcp setup github --variant remote --secret GITHUB_PERSONAL_ACCESS_TOKEN=ghp_... --yes',
    '<%= config.bin %> mcp setup custom --name my-server --command "node ./server.js" --yes',
    '<%= config.bin %> mcp setup filesystem --set directories=./docs,./data --dry-run --yes',
  ];

  static override args = {
    server: Args.string({ description: 'Catalog name (see --list), or "custom".' }),
  };

  static override flags = {
    list: Flags.boolean({ description: 'Print the catalog and exit.' }),
    name: Flags.string({ description: 'Name of the entry in .mcp.json (default: the catalog name).' }),
    variant: Flags.string({
      description: 'How to run it, for servers with several ways (e.g. github: binary, docker, remote).',
    }),
    install: Flags.string({
      description: 'Install an npm package: global (default), local or none.',
      options: ['global', 'local', 'none'],
    }),
    secret: Flags.string({
      description: 'A key, as NAME=VALUE; stored in .env, referenced as ${NAME}.',
      multiple: true,
    }),
    set: Flags.string({ description: 'A setting, as NAME=VALUE (e.g. directories=./docs).', multiple: true }),
    command: Flags.string({ description: 'custom: the command line that starts the server.' }),
    url: Flags.string({ description: 'custom: the endpoint of a remote server.' }),
    transport: Flags.string({
      description: 'custom --url: http (default) or sse.',
      options: ['http', 'sse'],
    }),
    header: Flags.string({
      description: 'custom --url: a header as NAME=VALUE; use ${VAR} for secrets.',
      multiple: true,
    }),
    env: Flags.string({
      description: 'custom --command: a plain environment value as NAME=VALUE.',
      multiple: true,
    }),
    'env-file': Flags.string({ description: 'Where secrets are stored (default: .env beside .mcp.json).' }),
    update: Flags.boolean({
      description: 'Update the server if it is already configured (asked otherwise).',
      allowNo: true,
    }),
    'dry-run': Flags.boolean({ description: 'Show the planned changes; write and install nothing.' }),
    'skip-test': Flags.boolean({
      description: 'Save without connecting to the server (no test, no discovery).',
    }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(McpSetup);
    const catalog = require('../../../src/mcp/setup/catalog') as typeof Catalog;
    if (flags.list) return this.printCatalog(catalog);

    const configPath = this.configPath(flags.config);
    const envFile = path.resolve(flags['env-file'] ?? path.join(path.dirname(configPath), '.env'));
    const { askSetup } = require('../../lib/setup-wizard') as typeof Wizard;
    const setupAnswers = await askSetup({
      answers: this.answers(flags.yes),
      server: args.server,
      flags,
      configPath,
      envFile,
      warn: (text) => this.stderr(text),
      keepSecret: (value) => this.secrets.add(value),
    });
    if (!setupAnswers) {
      this.log('Nothing changed.');
      return { name: flags.name ?? args.server, action: 'none' };
    }
    const { planSetup } = require('../../../src/mcp/setup/setup-plan') as typeof Plan;
    const plan = await planSetup(setupAnswers);
    const summary = this.describePlan(plan);
    if (flags['dry-run']) {
      this.log(`Dry run: nothing was written or installed.\n\n${plan.configAfter}`);
      return { dryRun: true, ...summary, config: plan.configAfter };
    }
    return this.apply(plan, summary, flags['skip-test']);
  }

  private async apply(
    plan: Plan.SetupPlan,
    summary: Record<string, unknown>,
    skipTest: boolean,
  ): Promise<Record<string, unknown>> {
    const { applySetup } = require('../../../src/mcp/setup/apply-setup') as typeof Apply;
    const { cliLogger } = require('../../lib/logger') as typeof CliLogger;
    const labels: Record<Apply.SetupStepName, string> = {
      install: 'Install',
      validate: 'Validate configuration',
      test: 'Test connectivity',
      write: `Write ${path.basename(plan.configFile)}${plan.envVariables.length > 0 ? ` and ${path.basename(plan.envFile)}` : ''}`,
      discover: 'Discover tools',
    };
    const started = new Map<string, number>();
    const result = await applySetup(plan, {
      testServer: skipTest
        ? undefined
        : (server) =>
            (require('../../../src/mcp/probe') as typeof Probe).testServer(server, { logger: cliLogger() }),
      discover: skipTest
        ? undefined
        : async (configFile, server) => {
            const { discoverServers } = require('../../../src/mcp/setup/discover-servers') as typeof Discover;
            const {
              servers: [found],
            } = await discoverServers(configFile, [server], {
              force: true,
              logger: cliLogger(),
            });
            return {
              ok: Boolean(found?.ok),
              tools: found?.tools ?? [],
              durationMs: found?.durationMs ?? 0,
              error: found?.error?.message,
            };
          },
      onStep: (step, state, detail) => {
        if (state === 'start') {
          started.set(step, performance.now());
          this.progress.start(step === 'install' && detail ? `${labels[step]}: ${detail}` : labels[step]);
        } else if (state === 'done')
          this.progress.done(labels[step], performance.now() - (started.get(step) ?? 0));
        else if (state === 'fail') this.progress.fail(labels[step]);
        else
          this.progress.skip(
            labels[step],
            step === 'install' ? (detail ?? 'nothing to install') : skipTest ? '--skip-test' : undefined,
          );
      },
      onOutput: (chunk) => this.stderr(chunk),
    });
    for (const warning of result.warnings) this.stderr(`! ${warning}\n`);
    this.log('');
    this.log(`${plan.name} ${result.action === 'add' ? 'added to' : 'updated in'} ${plan.configFile}.`);
    if (result.probe.length > 0) {
      this.log(
        result.probe
          .map(
            (s) =>
              `  ${s.step.padEnd(10)} ${formatMs(s.durationMs).padStart(8)}${s.detail ? `  ${s.detail}` : ''}`,
          )
          .join('\n'),
      );
    }
    if (result.tools.length > 0) {
      this.log(`\n${result.tools.length} tools:`);
      this.log(
        renderTable(result.tools, [
          { header: 'TOOL', get: (t) => t.name },
          { header: 'DESCRIPTION', get: (t) => (t.description ?? '').split('\n')[0]!.slice(0, 80) },
        ]),
      );
    }
    const next = [`ai mcp test ${plan.name}`, `ai mcp list`];
    if (plan.installNote) next.unshift(plan.installNote);
    this.log(`\nNext:\n${next.map((n) => `  ${n}`).join('\n')}`);
    return {
      ...summary,
      action: result.action,
      steps: result.steps.map((s) => ({ ...s })),
      probe: result.probe.map((s) => ({ ...s, durationMs: Math.round(s.durationMs) })),
      tools: result.tools,
      warnings: result.warnings,
      next,
    };
  }

  private describePlan(plan: Plan.SetupPlan): Record<string, unknown> {
    const { describePlan } = require('../../lib/setup-summary') as typeof Summary;
    const { lines, summary } = describePlan(plan);
    for (const line of lines) this.progress.info(line);
    return summary;
  }

  private printCatalog(catalog: typeof Catalog): Record<string, unknown> {
    const entries = catalog.describeCatalog();
    for (const e of entries) {
      this.log(`${e.id.padEnd(20)} ${e.title} — ${e.description}`);
      for (const v of e.variants.filter(() => e.variants.length > 1)) {
        this.log(
          `${''.padEnd(22)}--variant ${v.id}: ${v.title}${v.deprecated ? ` (deprecated: ${v.deprecated})` : ''}`,
        );
      }
      if (e.secrets.length > 0) this.log(`${''.padEnd(22)}needs: ${e.secrets.join(', ')}`);
    }
    return { available: entries };
  }
}
