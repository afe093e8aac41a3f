/**
 * What `ai mcp list` shows: every configured server with its transport, state, redacted command
 * or URL, and what the tools cache knows about it. Reads files only; it never starts a server and
 * never fails because a variable is unset (it reports which ones are).
 */
import { promises as fs } from 'node:fs';
import { inspectMcpConfig, loadExpansionEnv, type McpServerConfig } from '../config';
import { expandString } from '../config/expand';
import { redactArgs, redactKnown, redactUrl, redactValue } from './redact';
import { readToolsCache, type CachedServerTools } from './tools-cache';

export interface ServerListing {
  name: string;
  transport: McpServerConfig['transport'];
  enabled: boolean;
  /** Command line or URL, secrets redacted. */
  target: string;
  env: Record<string, string>;
  headers: Record<string, string>;
  /** Variables the entry references that are set neither in the environment nor in `.env`. */
  unsetVariables: string[];
  /** From `.mcp.tools.json`; undefined when the server was never discovered. */
  toolCount?: number;
  /** Only with `tools: true`: the cached tools with their input schemas. */
  tools?: CachedServerTools['tools'];
  discoveredAt?: string;
  cacheAgeMs?: number;
}

export interface ServerList {
  file: string;
  exists: boolean;
  servers: ServerListing[];
  chains: { name: string; servers: string[] }[];
  /** Values of referenced variables, for callers that print more than this listing. */
  secretValues: string[];
}

export async function listServers(
  configPath: string,
  options: { toolsPath: string; envFile?: string; now?: number; tools?: boolean },
): Promise<ServerList> {
  try {
    await fs.access(configPath);
  } catch {
    return { file: configPath, exists: false, servers: [], chains: [], secretValues: [] };
  }
  const config = await inspectMcpConfig(configPath);
  const env = await loadExpansionEnv(config.file, { envFile: options.envFile });
  const cache = await readToolsCache(options.toolsPath);
  const now = options.now ?? Date.now();
  const secretValues = Object.values(config.servers)
    .flatMap((s) => s.variables)
    .map((v) => env[v])
    .filter((v): v is string => typeof v === 'string');
  const servers = Object.values(config.servers).map((server): ServerListing => {
    const cached = cache[server.name];
    const target =
      server.transport === 'stdio'
        ? [server.command ?? '', ...redactArgs(server.args)].join(' ')
        : redactUrl(server.url ?? '');
    const discoveredAt = cached?.discoveredAt;
    return {
      name: server.name,
      transport: server.transport,
      enabled: server.enabled,
      target: redactKnown(target, secretValues),
      env: redactMap(server.env, secretValues),
      headers: redactMap(server.headers, secretValues),
      unsetVariables: unsetVariables(server, env),
      toolCount: cached?.tools.length,
      ...(options.tools ? { tools: cached?.tools ?? [] } : {}),
      discoveredAt,
      cacheAgeMs: discoveredAt ? Math.max(0, now - Date.parse(discoveredAt)) : undefined,
    };
  });
  const chains = Object.values(config.chains).map((c) => ({ name: c.name, servers: c.servers }));
  return { file: config.file, exists: true, servers, chains, secretValues };
}

function redactMap(values: Record<string, string>, secrets: string[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, redactKnown(redactValue(k, v), secrets)]),
  );
}

/** Variables that would stop this server from starting: unset and without a `${VAR:-default}`. */
function unsetVariables(server: McpServerConfig, env: Record<string, string | undefined>): string[] {
  const fields = [
    server.command ?? '',
    server.url ?? '',
    ...server.args,
    ...Object.values(server.env),
    ...Object.values(server.headers),
  ];
  const missing = new Set<string>();
  for (const field of fields) {
    const probe = { ...env };
    for (let r = expandString(field, probe); !r.ok; r = expandString(field, probe)) {
      missing.add(r.variable);
      probe[r.variable] = 'set';
    }
  }
  return [...missing];
}
