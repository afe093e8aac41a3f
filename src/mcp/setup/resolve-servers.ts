/**
 * Picks the servers a command acts on (named ones, members of a named chain, or every enabled
 * server) and expands each one's `${VAR}` references on its own, so one server with an unset
 * variable does not stop the others from being tested. A server that cannot be expanded is returned
 * unexpanded: `testServer` then reports which variable is missing and where to set it.
 */
import { parse as parseJsonc } from 'jsonc-parser';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  buildMcpConfig,
  inspectMcpConfig,
  loadExpansionEnv,
  type LoadMcpConfigOptions,
  type McpConfig,
  type McpServerConfig,
} from '../config';
import type { AppError } from '../../shared/errors';
import { unknownNameError } from './suggest';

export interface ResolvedServers {
  /** The whole file, unexpanded. */
  config: McpConfig;
  /** The selected servers, expanded when possible. */
  servers: McpServerConfig[];
  /** Why a selected server could not be expanded (typically an unset variable), by name. */
  errors: Record<string, AppError>;
  /** Values of the variables the selected servers reference, so callers can keep them out of output. */
  secretValues: string[];
}

export async function resolveServers(
  configPath: string,
  names: readonly string[] | undefined,
  options: LoadMcpConfigOptions = {},
): Promise<ResolvedServers> {
  const config = await inspectMcpConfig(configPath);
  const selected = select(config, names);
  const text = await readFile(config.file, 'utf8');
  const root = parseJsonc(text) as Record<string, Record<string, unknown> | undefined>;
  const env = await loadExpansionEnv(config.file, options);
  const hint = options.envFile ?? path.join(path.dirname(config.file), '.env');
  const errors: Record<string, AppError> = {};
  const servers = selected.map((server) => {
    const single = {
      global_config: root.global_config,
      [server.source]: { [server.name]: root[server.source]?.[server.name] },
    };
    try {
      return buildMcpConfig(JSON.stringify(single), config.file, env, hint).servers[
        server.name
      ] as McpServerConfig;
    } catch (error) {
      errors[server.name] = error as AppError;
      return server;
    }
  });
  const secretValues = [...new Set(selected.flatMap((s) => s.variables))]
    .map((v) => env[v])
    .filter((v): v is string => typeof v === 'string' && v !== '');
  return { config, servers, errors, secretValues };
}

function select(config: McpConfig, names: readonly string[] | undefined): McpServerConfig[] {
  if (!names || names.length === 0) return Object.values(config.servers).filter((s) => s.enabled);
  const out = new Map<string, McpServerConfig>();
  const visit = (name: string, seen: Set<string>) => {
    const server = config.servers[name];
    if (server) {
      out.set(name, server);
      return;
    }
    const chain = config.chains[name];
    if (!chain)
      throw unknownNameError('server', name, [...Object.keys(config.servers), ...Object.keys(config.chains)]);
    if (seen.has(name)) return;
    seen.add(name);
    for (const member of chain.servers) visit(member, seen);
  };
  for (const name of names) visit(name, new Set());
  return [...out.values()];
}
