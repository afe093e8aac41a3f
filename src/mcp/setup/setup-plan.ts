/**
 * Turns the answers of `ai mcp setup` (from flags or prompts) into a plan: the server entry,
 * the `.env` variables to write, the `.gitignore` change and the install commands. Nothing is
 * written here; the plan is what `--dry-run` prints and what `applySetup` carries out.
 */
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../shared/errors';
import type { CatalogEntry, CatalogVariant, InstallMode } from './catalog';
import { McpConfigDocument, type ServerDefinition } from './config-document';
import { setEnvValues, readEnvFile } from './env-file';
import { planGitignore, type GitignorePlan } from './gitignore';
import { launchCommand, planInstall, type InstallStep } from './installer';

const serverName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
    'use letters, digits, "-", "_" or "." (and start with a letter or digit)',
  )
  .max(64);

export interface CustomServerInput {
  command?: string;
  args?: string[];
  url?: string;
  transport?: 'http' | 'sse';
  headers?: Record<string, string>;
  /** Plain (non-secret) environment values. */
  env?: Record<string, string>;
}

export interface SetupAnswers {
  configPath: string;
  envFile: string;
  name: string;
  /** A catalog entry and one of its variants, or undefined for a custom server. */
  entry?: CatalogEntry;
  variant?: CatalogVariant;
  custom?: CustomServerInput;
  install: InstallMode;
  /** Secret values to store in `.env`, by variable. Variables already set elsewhere are not listed. */
  secrets: Record<string, string>;
  /** Variables the server references that are already set (environment or `.env`), kept as they are. */
  reusedSecrets: string[];
  /** Catalog settings by name. */
  settings: Record<string, string>;
}

export interface SetupPlan {
  name: string;
  catalogId: string;
  variant?: string;
  action: 'add' | 'update';
  definition: ServerDefinition;
  configFile: string;
  configBefore: string | undefined;
  configAfter: string;
  envFile: string;
  envBefore: string | undefined;
  envAfter: string | undefined;
  /** Names only; values never leave the plan except into `.env`. */
  envVariables: string[];
  secretValues: string[];
  gitignore: GitignorePlan;
  install: InstallStep[];
  /** For variants npm cannot install (binary, container, remote): what the user must do. */
  installNote?: string;
  deprecated?: string;
}

export async function planSetup(answers: SetupAnswers): Promise<SetupPlan> {
  const parsedName = serverName.safeParse(answers.name);
  if (!parsedName.success) {
    throw new AppError(
      'BAD_USER_INPUT',
      `Invalid server name "${answers.name}": ${parsedName.error.issues[0]?.message}.`,
      {
        details: { field: 'name' },
      },
    );
  }
  const configFile = path.resolve(answers.configPath);
  const projectDir = path.dirname(configFile);
  const envFile = path.resolve(answers.envFile);
  const doc = await McpConfigDocument.read(configFile);
  const configBefore = await McpConfigDocument.snapshot(configFile);
  const definition = answers.entry ? catalogDefinition(answers) : customDefinition(answers);
  const action = doc.upsertServer(answers.name, definition) === 'added' ? 'add' : 'update';
  doc.validate();

  const env = await readEnvFile(envFile);
  const secretNames = Object.keys(answers.secrets);
  const envAfter = secretNames.length > 0 ? setEnvValues(env.text, answers.secrets) : env.text;
  const variant = answers.variant;
  return {
    name: answers.name,
    catalogId: answers.entry?.id ?? 'custom',
    variant: variant?.id,
    action,
    definition,
    configFile,
    configBefore,
    configAfter: doc.toString(),
    envFile,
    envBefore: env.text,
    envAfter,
    envVariables: secretNames,
    secretValues: Object.values(answers.secrets),
    gitignore:
      secretNames.length > 0
        ? await planGitignore(projectDir, envFile)
        : { file: path.join(projectDir, '.gitignore'), add: undefined, before: undefined, after: undefined },
    install: planInstall(variant?.package, answers.install, projectDir),
    installNote: variant && !variant.package ? variant.installHint : undefined,
    deprecated: variant?.deprecated,
  };
}

function catalogDefinition(answers: SetupAnswers): ServerDefinition {
  const entry = answers.entry as CatalogEntry;
  const variant = answers.variant as CatalogVariant;
  const env: Record<string, string> = {};
  const extraArgs: string[] = [];
  for (const secret of entry.secrets) env[secret.name] = `\${${secret.name}}`;
  for (const setting of entry.settings) {
    const value = (answers.settings[setting.name] ?? setting.default).trim();
    if (value === '' && setting.optional) continue;
    if (value === '') {
      throw new AppError(
        'BAD_USER_INPUT',
        `The setting "${setting.name}" must not be empty (--set ${setting.name}=...).`,
        {
          details: { field: setting.name },
        },
      );
    }
    if (setting.target.kind === 'args')
      extraArgs.push(
        ...value
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      );
    else env[setting.target.variable] = value;
  }
  if (variant.transport === 'http') {
    return { transport: 'http', url: variant.url, headers: { ...(variant.headers ?? {}) } };
  }
  const launch = launchCommand(variant, answers.install);
  return { transport: 'stdio', command: launch.command, args: [...launch.args, ...extraArgs], env };
}

function customDefinition(answers: SetupAnswers): ServerDefinition {
  const custom = answers.custom ?? {};
  const secretRefs = Object.fromEntries(
    [...Object.keys(answers.secrets), ...answers.reusedSecrets].map((n) => [n, `\${${n}}`]),
  );
  if (custom.url && custom.command) {
    throw new AppError('BAD_USER_INPUT', 'Give either --command or --url for a custom server, not both.', {
      details: { field: 'command' },
    });
  }
  if (custom.url) {
    try {
      new URL(custom.url.replace(/\$\{[^}]+\}/g, 'x'));
    } catch {
      throw new AppError('BAD_USER_INPUT', `"${custom.url}" is not a valid URL (--url).`, {
        details: { field: 'url' },
      });
    }
    return { transport: custom.transport ?? 'http', url: custom.url, headers: custom.headers ?? {} };
  }
  if (!custom.command || custom.command.trim() === '') {
    throw new AppError(
      'BAD_USER_INPUT',
      'A custom server needs --command "<executable> [args]" or --url <endpoint>.',
      {
        details: { field: 'command' },
      },
    );
  }
  return {
    transport: 'stdio',
    command: custom.command,
    args: custom.args ?? [],
    env: { ...(custom.env ?? {}), ...secretRefs },
  };
}
