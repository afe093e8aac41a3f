/**
 * Tool discovery: lists each server's tools (following pagination, through the registry) and
 * records them in `.mcp.tools.json`. An entry is reused while it is younger than
 * `tool_discovery_cache_ttl` and its configuration fingerprint still matches; `getAvailableTools`
 * therefore starts no server at all when the cache is fresh.
 */
import path from 'node:path';
import { AppError, isAppError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { resolveTargets } from '../config/chains';
import { loadMcpConfig, type LoadMcpConfigOptions } from '../config/load';
import type { McpConfig } from '../config/types';
import { serverFingerprint } from '../fingerprint';
import { McpRegistry } from '../registry/registry';
import {
  readToolsFile,
  toDiscoveredTool,
  updateToolsFile,
  type DiscoveredTool,
  type ToolsFileEntry,
} from './tools-file';

export interface DiscoverToolsOptions extends LoadMcpConfigOptions {
  configPath: string;
  /** Defaults to `.mcp.tools.json` beside the config file. */
  toolsPath?: string;
  /** Server or chain names; default every enabled server. */
  servers?: string[];
  /** Ignore fresh cache entries. */
  force?: boolean;
  /** Reuse running servers; otherwise a temporary registry is started and closed. */
  registry?: McpRegistry;
  logger?: Logger;
  /** Per-server limit for the listing (after startup); defaults to the server's call timeout. */
  timeoutMs?: number;
}

export interface DiscoveryResult {
  server: string;
  ok: boolean;
  tools: DiscoveredTool[];
  durationMs: number;
  fromCache: boolean;
  serverInfo?: ToolsFileEntry['serverInfo'];
  discoveredAt?: string;
  error?: AppError;
}

export function defaultToolsPath(configPath: string): string {
  return path.join(path.dirname(path.resolve(configPath)), '.mcp.tools.json');
}

export function isFresh(
  entry: ToolsFileEntry | undefined,
  fingerprint: string,
  ttlMs: number,
  now = Date.now(),
) {
  if (!entry || entry.fingerprint !== fingerprint) return false;
  const age = now - Date.parse(entry.discoveredAt);
  return Number.isFinite(age) && age >= 0 && age < ttlMs;
}

function selectServers(config: McpConfig, names: string[] | undefined): string[] {
  if (!names)
    return Object.values(config.servers)
      .filter((s) => s.enabled)
      .map((s) => s.name);
  return [...resolveTargets(config, names).servers.keys()];
}

export async function discoverTools(options: DiscoverToolsOptions): Promise<DiscoveryResult[]> {
  const toolsPath = options.toolsPath ?? defaultToolsPath(options.configPath);
  const ownRegistry = !options.registry;
  const config = options.registry
    ? await options.registry.config()
    : await loadMcpConfig(options.configPath, options);
  const registry = options.registry ?? new McpRegistry({ config, logger: options.logger });
  try {
    const names = selectServers(config, options.servers);
    const cached = await readToolsFile(toolsPath, options.logger);
    const results = await Promise.all(
      names.map(async (name): Promise<DiscoveryResult> => {
        const server = config.servers[name];
        const fingerprint = serverFingerprint(server!);
        const entry = cached.servers[name];
        if (!options.force && isFresh(entry, fingerprint, config.global.toolDiscoveryCacheTtlMs)) {
          return {
            server: name,
            ok: true,
            tools: entry!.tools,
            durationMs: 0,
            fromCache: true,
            serverInfo: entry!.serverInfo,
            discoveredAt: entry!.discoveredAt,
          };
        }
        const started = performance.now();
        try {
          const tools = (await registry.listTools(name, { refresh: true, timeoutMs: options.timeoutMs })).map(
            (t) => toDiscoveredTool(t as DiscoveredTool),
          );
          const serverInfo = await registry.serverInfo(name);
          return {
            server: name,
            ok: true,
            tools,
            durationMs: performance.now() - started,
            fromCache: false,
            serverInfo,
            discoveredAt: new Date().toISOString(),
          };
        } catch (error) {
          const appError = isAppError(error) ? error : new AppError('MCP_SERVER_UNAVAILABLE', String(error));
          return {
            server: name,
            ok: false,
            tools: [],
            durationMs: performance.now() - started,
            fromCache: false,
            error: appError,
          };
        }
      }),
    );
    const fresh = results.filter((r) => r.ok && !r.fromCache);
    // A full discovery also forgets servers that are no longer in the config.
    const removed = options.servers ? [] : Object.keys(cached.servers).filter((n) => !config.servers[n]);
    if (fresh.length > 0 || removed.length > 0) {
      await updateToolsFile(
        toolsPath,
        (file) => {
          for (const name of removed) delete file.servers[name];
          for (const r of fresh) {
            file.servers[r.server] = {
              tools: r.tools,
              serverInfo: r.serverInfo,
              discoveredAt: r.discoveredAt as string,
              fingerprint: serverFingerprint(config.servers[r.server]!),
            };
          }
        },
        options.logger,
      );
    }
    return results;
  } finally {
    if (ownRegistry) await registry.close();
  }
}
