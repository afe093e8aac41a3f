/**
 * The questions of `ai mcp setup`, in order: which server, its name, whether to update an existing
 * entry, how it runs, whether to install it, its keys (masked) and settings, and for a custom server
 * its command or URL. Each answer comes from its flag, `--yes` defaults or a prompt (see answers.ts).
 */
import path from 'node:path';
import * as catalog from '../../src/mcp/setup/catalog';
import type { CatalogVariant, InstallMode } from '../../src/mcp/setup/catalog';
import type * as Doc from '../../src/mcp/setup/config-document';
import type * as EnvFile from '../../src/mcp/setup/env-file';
import type { CustomServerInput, SetupAnswers } from '../../src/mcp/setup/setup-plan';
import type * as Suggest from '../../src/mcp/setup/suggest';
import type { Answers } from './answers';
import { parseKeyValues } from './key-values';

const INSTALL_CHOICES = [
  { value: 'global', name: 'global (npm install -g; the server runs from PATH)' },
  { value: 'local', name: 'local (npm install into this project; runs with npx --no-install)' },
  { value: 'none', name: 'none (npx -y fetches it on first start)' },
] as const;

export interface WizardFlags {
  name?: string;
  variant?: string;
  install?: string;
  secret?: string[];
  set?: string[];
  command?: string;
  url?: string;
  transport?: string;
  header?: string[];
  env?: string[];
  update?: boolean;
}

export interface WizardContext {
  answers: Answers;
  /** The `[server]` argument. */
  server?: string;
  flags: WizardFlags;
  configPath: string;
  envFile: string;
  /** A note for the user (stderr). */
  warn: (text: string) => void;
  /** A secret value this run now knows; it must never be printed. */
  keepSecret: (value: string) => void;
}

/** The answers for `planSetup`, or undefined when the user chose not to update an existing server. */
export async function askSetup(ctx: WizardContext): Promise<SetupAnswers | undefined> {
  const ids = catalog.catalogIds();
  if (ctx.server !== undefined && !ids.includes(ctx.server)) {
    const { unknownNameError } = require('../../src/mcp/setup/suggest') as typeof Suggest;
    throw unknownNameError('catalog server', ctx.server, ids);
  }
  const id = await ctx.answers.select({
    flag: 'the server argument (ai mcp setup <server>)',
    value: ctx.server,
    message: 'Which MCP server do you want to set up?',
    choices: catalog.describeCatalog().map((e) => ({ value: e.id, name: `${e.title} — ${e.description}` })),
  });
  const entry = catalog.findCatalogEntry(id);

  const name = entry
    ? (ctx.flags.name ?? id)
    : await ctx.answers.text({
        flag: '--name',
        value: ctx.flags.name,
        message: 'Name for this server in .mcp.json',
      });

  const { McpConfigDocument } = require('../../src/mcp/setup/config-document') as typeof Doc;
  const doc = await McpConfigDocument.read(ctx.configPath);
  if (doc.has(name)) {
    const update = await ctx.answers.confirm({
      flag: '--update',
      value: ctx.flags.update,
      message: `"${name}" is already configured in ${ctx.configPath}. Update it?`,
      default: true,
    });
    if (!update) return undefined;
  }

  let variant: CatalogVariant | undefined;
  if (entry) {
    const fallback = catalog.defaultVariant(entry);
    const variantId = await ctx.answers.select({
      flag: '--variant',
      value: ctx.flags.variant ?? (entry.variants.length === 1 ? fallback.id : undefined),
      default: fallback.id,
      message: `How should ${entry.title} run?`,
      choices: entry.variants.map((v) => ({
        value: v.id,
        name: v.deprecated ? `${v.title} — DEPRECATED: ${v.deprecated}` : v.title,
      })),
    });
    variant = entry.variants.find((v) => v.id === variantId) as CatalogVariant;
    if (variant.deprecated) ctx.warn(`! ${variant.deprecated}\n`);
  }

  let install: InstallMode = 'none';
  if (variant?.package) {
    install = await ctx.answers.select({
      flag: '--install',
      value: ctx.flags.install,
      default: 'global',
      message: `Install ${variant.package.name}?`,
      choices: INSTALL_CHOICES,
    });
  } else if (ctx.flags.install && ctx.flags.install !== 'none') {
    ctx.warn(`! --install ${ctx.flags.install} ignored: ${name} is not an npm package.\n`);
  }

  const { readEnvFile } = require('../../src/mcp/setup/env-file') as typeof EnvFile;
  const existingEnv = (await readEnvFile(ctx.envFile)).values;
  const given = parseKeyValues('--secret', ctx.flags.secret);
  const secrets: Record<string, string> = {};
  const reusedSecrets: string[] = [];
  for (const secret of entry?.secrets ?? []) {
    const value = given[secret.name];
    if (value !== undefined && value !== '') secrets[secret.name] = value;
    else if (process.env[secret.name] || existingEnv[secret.name]) {
      reusedSecrets.push(secret.name);
      ctx.warn(
        `Using ${secret.name} already set in the ${process.env[secret.name] ? 'environment' : path.basename(ctx.envFile)}.\n`,
      );
    } else {
      secrets[secret.name] = await ctx.answers.secret({
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
    if (value) ctx.keepSecret(value);
  }

  const givenSettings = parseKeyValues('--set', ctx.flags.set);
  const settings: Record<string, string> = {};
  for (const setting of entry?.settings ?? []) {
    settings[setting.name] = await ctx.answers.text({
      flag: `--set ${setting.name}=<value>`,
      value: givenSettings[setting.name],
      default: setting.default,
      message: setting.prompt,
    });
  }

  let custom: CustomServerInput | undefined;
  if (!entry) {
    let command = ctx.flags.command;
    let url = ctx.flags.url;
    if (command === undefined && url === undefined) {
      const kind = await ctx.answers.select({
        flag: '--command or --url',
        message: 'How is the server reached?',
        choices: [
          { value: 'command', name: 'a local command (stdio)' },
          { value: 'url', name: 'a remote URL (streamable HTTP)' },
        ],
      });
      if (kind === 'command')
        command = await ctx.answers.text({ flag: '--command', message: 'Command that starts the server' });
      else url = await ctx.answers.text({ flag: '--url', message: 'Server URL' });
    }
    custom = {
      command,
      url,
      transport: ctx.flags.transport as 'http' | 'sse' | undefined,
      headers: parseKeyValues('--header', ctx.flags.header),
      env: parseKeyValues('--env', ctx.flags.env),
    };
  }

  return {
    configPath: ctx.configPath,
    envFile: ctx.envFile,
    name,
    entry,
    variant,
    custom,
    install,
    secrets,
    reusedSecrets,
    settings,
  };
}
