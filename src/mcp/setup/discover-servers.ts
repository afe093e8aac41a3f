/**
 * Discovery for the CLI: refreshes `.mcp.tools.json` for the chosen servers through the MCP
 * framework's `discoverTools`. Each server is expanded on its own first, so a server whose
 * variable is unset is reported as failed (naming the variable) instead of stopping the discovery
 * of every other server, and is never started with a literal `${VAR}` in its environment.
 */
import type { AppError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { discoverTools, type DiscoveryResult } from '../discovery';
import { McpRegistry } from '../registry/registry';
import { resolveServers } from './resolve-servers';

export interface ServerDiscovery {
  server: string;
  ok: boolean;
  fromCache: boolean;
  durationMs: number;
  tools: { name: string; description?: string }[];
  discoveredAt?: string;
  error?: { code: string; message: string; variable?: string };
}

export async function discoverServers(
  configPath: string,
  names: readonly string[] | undefined,
  options: { force?: boolean; toolsPath?: string; logger?: Logger } = {},
): Promise<{ servers: ServerDiscovery[]; secretValues: string[] }> {
  const { config, servers, errors, secretValues } = await resolveServers(configPath, names);
  const ready = servers.filter((s) => !errors[s.name]);
  let results: DiscoveryResult[] = [];
  if (ready.length > 0) {
    const registry = new McpRegistry({
      config: { ...config, servers: Object.fromEntries(ready.map((s) => [s.name, s])), expanded: true },
      logger: options.logger,
    });
    try {
      results = await discoverTools({
        configPath: config.file,
        toolsPath: options.toolsPath,
        servers: ready.map((s) => s.name),
        force: options.force,
        registry,
        logger: options.logger,
      });
    } finally {
      await registry.close();
    }
  }
  const byName = new Map(results.map((r) => [r.server, r]));
  const discovered = servers.map((s): ServerDiscovery => {
    const failed = errors[s.name];
    if (failed)
      return {
        server: s.name,
        ok: false,
        fromCache: false,
        durationMs: 0,
        tools: [],
        error: describe(failed),
      };
    const r = byName.get(s.name) as DiscoveryResult;
    return {
      server: r.server,
      ok: r.ok,
      fromCache: r.fromCache,
      durationMs: r.durationMs,
      tools: r.tools.map((t) => ({ name: t.name, description: t.description })),
      discoveredAt: r.discoveredAt,
      ...(r.error ? { error: describe(r.error) } : {}),
    };
  });
  return { servers: discovered, secretValues };
}

function describe(error: AppError): ServerDiscovery['error'] {
  const variable = (error.details as { variable?: unknown } | undefined)?.variable;
  return {
    code: typeof variable === 'string' ? 'SECRET_MISSING' : error.code,
    message: error.message,
    ...(typeof variable === 'string' ? { variable } : {}),
  };
}
