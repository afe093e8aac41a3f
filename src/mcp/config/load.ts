/**
 * Loading `.mcp.json`: read, parse (comments allowed), validate both forms, expand variables from
 * the environment and `.env`, resolve chains. `inspectMcpConfig` does the same without expansion,
 * for listings that must neither fail on nor reveal unset secrets.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parseChains } from './chains';
import { McpConfigError } from './errors';
import { normaliseServer, type NormaliseContext } from './normalise-server';
import { parseConfigText } from './parse-file';
import { fieldPath, rawFileSchema, rawGlobalSchema } from './schema';
import { DEFAULT_GLOBAL_CONFIG, type McpConfig, type McpGlobalConfig, type McpServerConfig } from './types';

export interface LoadMcpConfigOptions {
  /** Defaults to `process.env`. Values here win over `.env`. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to `.env` beside the config file; a missing default file is fine, a missing explicit one is not. */
  envFile?: string;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(error)})`;
    throw new McpConfigError(why, { file }, error);
  }
}

/** The environment used for expansion: `.env` values overlaid by the real environment. */
export async function loadExpansionEnv(
  file: string,
  options: LoadMcpConfigOptions = {},
): Promise<Record<string, string | undefined>> {
  const envFile = options.envFile ?? path.join(path.dirname(file), '.env');
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parseDotenv(await readFile(envFile, 'utf8'));
  } catch (error) {
    if (options.envFile !== undefined || (error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new McpConfigError(`cannot read env file ${envFile}`, { file, field: 'envFile' }, error);
    }
  }
  return { ...fromFile, ...(options.env ?? process.env) };
}

function parseGlobal(raw: unknown, file: string): McpGlobalConfig {
  const parsed = rawGlobalSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = fieldPath(['global_config', ...(issue?.path ?? [])]);
    throw new McpConfigError(`${field}: ${issue?.message}`, { file, field });
  }
  const g = parsed.data;
  const ms = (v: number | undefined, fallback: number) => (v === undefined ? fallback : v * 1000);
  return {
    timeoutMs: ms(g.timeout, DEFAULT_GLOBAL_CONFIG.timeoutMs),
    startupTimeoutMs: ms(g.startup_timeout, DEFAULT_GLOBAL_CONFIG.startupTimeoutMs),
    idleTimeoutMs: ms(g.idle_timeout, DEFAULT_GLOBAL_CONFIG.idleTimeoutMs),
    maxConcurrent: g.max_concurrent ?? DEFAULT_GLOBAL_CONFIG.maxConcurrent,
    retryAttempts: g.retry_attempts ?? DEFAULT_GLOBAL_CONFIG.retryAttempts,
    toolDiscoveryCacheTtlMs: ms(g.tool_discovery_cache_ttl, DEFAULT_GLOBAL_CONFIG.toolDiscoveryCacheTtlMs),
  };
}

/** Builds the normalised config from file text; `env` undefined means "do not expand". */
export function buildMcpConfig(
  text: string,
  file: string,
  env: Record<string, string | undefined> | undefined,
  envFileHint = '.env',
): McpConfig {
  const parsed = rawFileSchema.safeParse(parseConfigText(text, file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = fieldPath(issue?.path ?? []);
    throw new McpConfigError(`${field}: must be an object keyed by name`, { file, field });
  }
  const raw = parsed.data;
  const global = parseGlobal(raw.global_config, file);
  const ctx: NormaliseContext = { file, global, env, envFileHint };
  const servers: Record<string, McpServerConfig> = {};
  for (const source of ['servers', 'mcpServers'] as const) {
    for (const [name, entry] of Object.entries(raw[source] ?? {})) {
      servers[name] = normaliseServer(name, entry, source, ctx);
    }
  }
  const chains = parseChains(raw.chains ?? {}, servers, file);
  return { file, global, servers, chains, expanded: env !== undefined };
}

export async function loadMcpConfig(
  configPath: string,
  options: LoadMcpConfigOptions = {},
): Promise<McpConfig> {
  const file = path.resolve(configPath);
  const text = await readText(file);
  const env = await loadExpansionEnv(file, options);
  const hint = options.envFile ?? path.join(path.dirname(file), '.env');
  return buildMcpConfig(text, file, env, hint);
}

/**
 * Reads and validates the file WITHOUT expanding `${VAR}`: strings keep their templates and each
 * server lists the variables it references. Never fails because a variable is unset.
 */
export async function inspectMcpConfig(configPath: string): Promise<McpConfig> {
  const file = path.resolve(configPath);
  return buildMcpConfig(await readText(file), file, undefined);
}

/** Which of a server's variables are unset in the given environment (plus `.env`). */
export async function unsetVariables(
  server: McpServerConfig,
  file: string,
  options: LoadMcpConfigOptions = {},
): Promise<string[]> {
  const env = await loadExpansionEnv(file, options);
  return server.variables.filter((v) => env[v] === undefined || env[v] === '');
}
