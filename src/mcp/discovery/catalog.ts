/**
 * `McpToolCatalog`: the cached view of every server's tools for a running process. Reads come from
 * `.mcp.tools.json` and start nothing while entries are fresh; stale or missing entries are
 * discovered through the shared registry; a server's `notifications/tools/list_changed` rewrites
 * its entry at once.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../shared/logger';
import { logger as rootLogger } from '../../shared/logger';
import { loadMcpConfig } from '../config/load';
import { McpRegistry } from '../registry/registry';
import { serverFingerprint } from '../fingerprint';
import {
  defaultToolsPath,
  discoverTools,
  isFresh,
  type DiscoverToolsOptions,
  type DiscoveryResult,
} from './discover';
import { readToolsFile, toDiscoveredTool, updateToolsFile, type DiscoveredTool } from './tools-file';

export interface McpToolCatalogOptions {
  configPath: string;
  toolsPath?: string;
  registry: McpRegistry;
  logger?: Logger;
}

export class McpToolCatalog {
  readonly toolsPath: string;
  private readonly logger: Logger;
  private pendingWrites = new Set<Promise<unknown>>();

  constructor(private readonly options: McpToolCatalogOptions) {
    this.toolsPath = options.toolsPath ?? defaultToolsPath(options.configPath);
    this.logger = options.logger ?? rootLogger;
    options.registry.on('toolsChanged', this.onToolsChanged);
  }

  private readonly onToolsChanged = (server: string, tools: Tool[]) => {
    const write = this.recordTools(server, tools)
      .catch((error: Error) =>
        this.logger.warn({ mcpServer: server, err: error.message }, 'could not record changed tools'),
      )
      .finally(() => this.pendingWrites.delete(write));
    this.pendingWrites.add(write);
  };

  private async recordTools(server: string, tools: Tool[]): Promise<void> {
    const config = await this.options.registry.config();
    const serverConfig = config.servers[server];
    if (!serverConfig) return;
    const serverInfo = await this.options.registry.serverInfo(server);
    await updateToolsFile(
      this.toolsPath,
      (file) => {
        file.servers[server] = {
          tools: tools.map((t) => toDiscoveredTool(t as DiscoveredTool)),
          serverInfo,
          discoveredAt: new Date().toISOString(),
          fingerprint: serverFingerprint(serverConfig),
        };
      },
      this.logger,
    );
    this.logger.info({ mcpServer: server, tools: tools.length }, 'tool list changed; cache updated');
  }

  /** Waits for list-change writes in flight (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pendingWrites]);
  }

  discover(options: { servers?: string[]; force?: boolean } = {}): Promise<DiscoveryResult[]> {
    return discoverTools({
      configPath: this.options.configPath,
      toolsPath: this.toolsPath,
      registry: this.options.registry,
      logger: this.logger,
      ...options,
    });
  }

  /**
   * The tools of one server, or of every enabled server keyed by name. Fresh cache entries are
   * returned without starting anything; others are discovered first. A server that cannot be
   * discovered yields its stale entry if there is one, else no tools.
   */
  async getAvailableTools(): Promise<Record<string, DiscoveredTool[]>>;
  async getAvailableTools(server: string): Promise<DiscoveredTool[]>;
  async getAvailableTools(server?: string): Promise<DiscoveredTool[] | Record<string, DiscoveredTool[]>> {
    const config = await this.options.registry.config();
    const names = server
      ? [server]
      : Object.values(config.servers)
          .filter((s) => s.enabled)
          .map((s) => s.name);
    const file = await readToolsFile(this.toolsPath, this.logger);
    const stale = names.filter((n) => {
      const sc = config.servers[n];
      return !sc || !isFresh(file.servers[n], serverFingerprint(sc), config.global.toolDiscoveryCacheTtlMs);
    });
    const out: Record<string, DiscoveredTool[]> = {};
    for (const n of names) out[n] = file.servers[n]?.tools ?? [];
    if (stale.length > 0) {
      for (const r of await this.discover({ servers: stale })) {
        if (r.ok) out[r.server] = r.tools;
        else
          this.logger.warn(
            { mcpServer: r.server, err: r.error?.message },
            'tool discovery failed; using cached tools if any',
          );
      }
    }
    return server ? (out[server] ?? []) : out;
  }

  dispose(): void {
    this.options.registry.off('toolsChanged', this.onToolsChanged);
  }
}

/**
 * One-shot form of `McpToolCatalog.getAvailableTools` for callers without a running registry
 * (the CLI): reads the cache, and only starts (then stops) servers whose entries are stale.
 */
export async function getAvailableTools(
  options: Omit<DiscoverToolsOptions, 'servers' | 'force' | 'registry'>,
  server?: string,
): Promise<DiscoveredTool[] | Record<string, DiscoveredTool[]>> {
  const config = await loadMcpConfig(options.configPath, options);
  const registry = new McpRegistry({ config, logger: options.logger });
  const catalog = new McpToolCatalog({
    configPath: options.configPath,
    toolsPath: options.toolsPath,
    registry,
    logger: options.logger,
  });
  try {
    return server ? await catalog.getAvailableTools(server) : await catalog.getAvailableTools();
  } finally {
    catalog.dispose();
    await registry.close();
  }
}
