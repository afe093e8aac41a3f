/**
 * `ai mcp setup [server]`: the wizard. Every question has a flag, so the same command runs in CI.
 * The command only gathers answers and prints; planning and the all-or-nothing apply are services
 * in src/mcp/setup.
 */
import { Args, Flags } from '@oclif/core';
import { McpCommand } from '../../lib/base-command';
import { renderTable, formatMs } from '../../lib/output';
import { parseKeyValues } from '../../lib/key-values';
import type * as Catalog from '../../../src/mcp/setup/catalog';
import type * as Plan from '../../../src/mcp/setup/setup-plan';
import type * as Apply from '../../../src/mcp/setup/apply-setup';
import type * as Doc from '../../../src/mcp/setup/config-document';
import type * as EnvFile from '../../../src/mcp/setup/env-file';
import type * as Suggest from '../../../src/mcp/setup/suggest';
import type * as Redact from '../../../src/mcp/setup/redact';
import type * as Probe from '../../../src/mcp/probe';
import type * as Discover from '../../../src/mcp/setup/discover-servers';
import type * as KeepAlive from '../../lib/keep-alive';
import type * as CliLogger from '../../lib/logger';
import path from 'node:path';

const INSTALL_CHOICES = [
  { value: 'global', name: 'global (npm install -g; the server runs from PATH)' },
  { value: 'local', name: 'local (npm install into this project; runs with npx --no-install)' },
  { value: 'none', name: 'none (npx -y fetches it on first start)' },
] as const;

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

    const answers = this.answers(flags.yes);
    const configPath = this.configPath(flags.config);
    const envFile = path.resolve(flags['env-file'] ?? path.join(path.dirname(configPath), '.env'));
    const ids = catalog.catalogIds();
    if (args.server !== undefined && !ids.includes(args.server)) {
      const { unknownNameError } = require('../../../src/mcp/setup/suggest') as typeof Suggest;
      throw unknownNameError('catalog server', args.server, ids);
    }
    const id = await answers.select({
      flag: 'the server argument (ai mcp setup <server>)',
      value: args.server,
      message: 'Which MCP server do you want to set up?',
      choices: catalog.describeCatalog().map((e) => ({ value: e.id, name: `${e.title} — ${e.description}` })),
    });
    const entry = catalog.findCatalogEntry(id);

    const name = entry
      ? (flags.name ?? id)
      : await answers.text({
          flag: '--name',
          value: flags.name,
          message: 'Name for this server in .mcp.json',
        });

    const { McpConfigDocument } = require('../../../src/mcp/setup/config-document') as typeof Doc;
    const doc = await McpConfigDocument.read(configPath);
    if (doc.has(name)) {
      const update = await answers.confirm({
        flag: '--update',
        value: flags.update,
        message: `"${name}" is already configured in ${configPath}. Update it?`,
        default: true,
      });
      if (!update) {
        this.log('Nothing changed.');
        return { name, action: 'none' };
      }
    }

    let variant: Catalog.CatalogVariant | undefined;
    if (entry) {
      const fallback = catalog.defaultVariant(entry);
      const variantId = await answers.select({
        flag: '--variant',
        value: flags.variant ?? (entry.variants.length === 1 ? fallback.id : undefined),
        default: fallback.id,
        message: `How should ${entry.title} run?`,
        choices: entry.variants.map((v) => ({
          value: v.id,
          name: v.deprecated ? `${v.title} — DEPRECATED: ${v.deprecated}` : v.title,
        })),
      });
      variant = entry.variants.find((v) => v.id === variantId) as Catalog.CatalogVariant;
      if (variant.deprecated) this.stderr(`! ${variant.deprecated}\n`);
    }

    let install: Catalog.InstallMode = 'none';
    if (variant?.package) {
      install = await answers.select({
        flag: '--install',
        value: flags.install,
        default: 'global',
        message: `Install ${variant.package.name}?`,
        choices: INSTALL_CHOICES,
      });
    } else if (flags.install && flags.install !== 'none') {
      this.stderr(`! --install ${flags.install} ignored: ${name} is not an npm package.\n`);
    }

    const { readEnvFile } = require('../../../src/mcp/setup/env-file') as typeof EnvFile;
    const existingEnv = (await readEnvFile(envFile)).values;
    const given = parseKeyValues('--secret', flags.secret);
    const secrets: Record<string, string> = {};
    const reusedSecrets: string[] = [];
    for (const secret of entry?.secrets ?? []) {
      const value = given[secret.name];
      if (value !== undefined && value !== '') secrets[secret.name] = value;
      else if (process.env[secret.name] || existingEnv[secret.name]) {
        reusedSecrets.push(secret.name);
        this.stderr(
          `Using ${secret.name} already set in the ${process.env[secret.name] ? 'environment' : path.basename(envFile)}.\n`,
        );
      } else {
        secrets[secret.name] = await answers.secret({
          flag: `--secret ${secret.name}=<value>`,
          variable: secret.name,
          message: secret.prompt,
          help: secret.help,
        });
      }
    }
    if (!entry) Object.assign(secrets, given);
    for (const value of [
      ...Object.values(secrets),
      ...reusedSecrets.map((n) => process.env[n] ?? existingEnv[n]),
    ]) {
      if (value) this.secrets.add(value);
    }

    const givenSettings = parseKeyValues('--set', flags.set);
    const settings: Record<string, string> = {};
    for (const setting of entry?.settings ?? []) {
      settings[setting.name] = await answers.text({
        flag: `--set ${setting.name}=<value>`,
        value: givenSettings[setting.name],
        default: setting.default,
        message: setting.prompt,
      });
    }

    let custom: Plan.CustomServerInput | undefined;
    if (!entry) {
      let command = flags.command;
      let url = flags.url;
      if (command === undefined && url === undefined) {
        const kind = await answers.select({
          flag: '--command or --url',
          message: 'How is the server reached?',
          choices: [
            { value: 'command', name: 'a local command (stdio)' },
            { value: 'url', name: 'a remote URL (streamable HTTP)' },
          ],
        });
        if (kind === 'command')
          command = await answers.text({ flag: '--command', message: 'Command that starts the server' });
        else url = await answers.text({ flag: '--url', message: 'Server URL' });
      }
      custom = {
        command,
        url,
        transport: flags.transport as 'http' | 'sse' | undefined,
        headers: parseKeyValues('--header', flags.header),
        env: parseKeyValues('--env', flags.env),
      };
    }

    const { planSetup } = require('../../../src/mcp/setup/setup-plan') as typeof Plan;
    const plan = await planSetup({
      configPath,
      envFile,
      name,
      entry,
      variant,
      custom,
      install,
      secrets,
      reusedSecrets,
      settings,
    });
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
    const { keepAlive } = require('../../lib/keep-alive') as typeof KeepAlive;
    const { cliLogger } = require('../../lib/logger') as typeof CliLogger;
    const labels: Record<Apply.SetupStepName, string> = {
      install: 'Install',
      validate: 'Validate configuration',
      test: 'Test connectivity',
      write: `Write ${path.basename(plan.configFile)}${plan.envVariables.length > 0 ? ` and ${path.basename(plan.envFile)}` : ''}`,
      discover: 'Discover tools',
    };
    const started = new Map<string, number>();
    const result = await keepAlive(() =>
      applySetup(plan, {
        testServer: skipTest
          ? undefined
          : (server) =>
              (require('../../../src/mcp/probe') as typeof Probe).testServer(server, { logger: cliLogger() }),
        discover: skipTest
          ? undefined
          : async (configFile, server) => {
              const { discoverServers } =
                require('../../../src/mcp/setup/discover-servers') as typeof Discover;
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
      }),
    );
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
    const { redactArgs, redactUrl, redactValue } = require('../../../src/mcp/setup/redact') as typeof Redact;
    const d = plan.definition;
    const target =
      d.transport === 'stdio'
        ? [d.command ?? '', ...redactArgs(d.args ?? [])].join(' ')
        : redactUrl(d.url ?? '');
    this.progress.info(
      `Plan (${plan.action === 'add' ? 'add' : 'update'} "${plan.name}" in ${plan.configFile}):`,
    );
    this.progress.info(`  server:  ${d.transport} ${target}`);
    for (const step of plan.install) this.progress.info(`  install: $ ${step.display}`);
    if (plan.installNote) this.progress.info(`  install: ${plan.installNote}`);
    if (plan.envVariables.length > 0)
      this.progress.info(`  secrets: ${plan.envVariables.join(', ')} → ${plan.envFile} (mode 0600)`);
    if (plan.gitignore.add)
      this.progress.info(`  git:     add ${plan.gitignore.add} to ${plan.gitignore.file}`);
    return {
      name: plan.name,
      catalog: plan.catalogId,
      variant: plan.variant,
      action: plan.action,
      file: plan.configFile,
      transport: d.transport,
      target,
      env: Object.fromEntries(Object.entries(d.env ?? {}).map(([k, v]) => [k, redactValue(k, v)])),
      headers: Object.fromEntries(Object.entries(d.headers ?? {}).map(([k, v]) => [k, redactValue(k, v)])),
      envFile: plan.envFile,
      secretsStored: plan.envVariables,
      gitignoreAdded: plan.gitignore.add,
      install: plan.install.map((s) => s.display),
      installNote: plan.installNote,
      deprecated: plan.deprecated,
    };
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
