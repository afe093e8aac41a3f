/**
 * `McpRegistry`: the one entry point for talking to configured MCP servers. It follows the config
 * (a fixed object, a `McpConfigStore` that reloads on file change, or any async provider), keeps
 * one `ServerHandle` per server, restarts a server whose launch settings changed, stops servers
 * removed from the file, and emits `toolsChanged` when a server announces a new tool list,
 * `toolCalled` after every call and `serverStarted` after every start attempt.
 */
import { EventEmitter } from 'node:events';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../shared/errors';
import { logger as rootLogger, type Logger } from '../../shared/logger';
import type { TransportFactory } from '../client/open-session';
import { McpConfigStore } from '../config/config-store';
import type { McpConfig } from '../config/types';
import { serverFingerprint } from '../fingerprint';
import { ServerHandle } from './server-handle';
import { buildToolset, type McpToolset, type ToolsetOptions } from './toolset';
import type {
  CallToolOptions,
  McpServerStartRecord,
  McpServerStatus,
  McpToolCallRecord,
  McpToolResult,
} from './types';

export type McpConfigSource = McpConfig | McpConfigStore | (() => Promise<McpConfig>);

export interface McpRegistryOptions {
  config: McpConfigSource;
  logger?: Logger;
  /** Replaces real transports (tests use `InMemoryTransport`). */
  transportFactory?: TransportFactory;
}

export interface McpRegistryEvents {
  toolsChanged: [server: string, tools: Tool[]];
  /** Every finished call: the hook for `MCPToolExecuted` events and slow-call alerts. */
  toolCalled: [call: McpToolCallRecord];
  /** Every start attempt (first start, restart after a crash or idle stop), ready or failed. */
  serverStarted: [start: McpServerStartRecord];
}

export class McpRegistry extends EventEmitter<McpRegistryEvents> {
  private readonly handles = new Map<string, { handle: ServerHandle; fingerprint: string }>();
  private readonly retiring = new Set<Promise<void>>();
  private readonly source: () => Promise<McpConfig>;
  private lastConfig?: McpConfig;
  private closed = false;
  private readonly logger: Logger;

  constructor(private readonly options: McpRegistryOptions) {
    super();
    const { config } = options;
    this.source =
      typeof config === 'function'
        ? config
        : config instanceof McpConfigStore
          ? () => config.current()
          : () => Promise.resolve(config);
    this.logger = options.logger ?? rootLogger;
  }

  /** The config in force now (reloaded if the file changed). */
  async config(): Promise<McpConfig> {
    const config = await this.source();
    if (config !== this.lastConfig) {
      this.lastConfig = config;
      await this.reconcile(config);
    }
    return config;
  }

  /** Stops handles whose server disappeared or whose launch settings changed. */
  private async reconcile(config: McpConfig): Promise<void> {
    for (const [name, entry] of this.handles) {
      const next = config.servers[name];
      if (!next || !next.enabled || serverFingerprint(next) !== entry.fingerprint) {
        this.handles.delete(name);
        // New calls go to a new instance at once; the old one finishes its calls, then stops.
        const retired = entry.handle.drainAndStop().finally(() => this.retiring.delete(retired));
        this.retiring.add(retired);
        this.logger.info({ mcpServer: name }, 'mcp server configuration changed; retiring the old instance');
      } else {
        entry.handle.updateSettings(next);
      }
    }
  }

  private async handle(name: string): Promise<ServerHandle> {
    if (this.closed) throw new AppError('SERVICE_UNAVAILABLE', 'the MCP registry is shut down');
    const config = await this.config();
    const server = config.servers[name];
    if (!server) {
      const known = Object.keys(config.servers).join(', ') || 'none';
      throw new AppError(
        'NOT_FOUND',
        `no MCP server named "${name}" in ${config.file} (configured: ${known})`,
        {
          details: { server: name },
        },
      );
    }
    if (!server.enabled) {
      throw new AppError('MCP_SERVER_UNAVAILABLE', `MCP server "${name}" is disabled in ${config.file}`, {
        details: { server: name },
      });
    }
    let entry = this.handles.get(name);
    if (!entry) {
      const handle = new ServerHandle(server, {
        logger: this.logger,
        transportFactory: this.options.transportFactory,
        onToolsChanged: (srv, tools) => this.emit('toolsChanged', srv, tools),
        onToolCalled: (call) => this.emit('toolCalled', call),
        onServerStarted: (start) => this.emit('serverStarted', start),
      });
      entry = { handle, fingerprint: serverFingerprint(server) };
      this.handles.set(name, entry);
    }
    return entry.handle;
  }

  /**
   * Calls a tool. Resolves with the tool's result — `isError: true` when the tool reports a
   * failure. Rejects with an `AppError` when the call could not be made or finished:
   * `MCP_SERVER_UNAVAILABLE`, `MCP_TIMEOUT`, `MCP_TOOL_ERROR` (protocol error, e.g. unknown tool or
   * invalid arguments), `CANCELLED`, `NOT_FOUND` (no such server).
   */
  async callTool(
    server: string,
    tool: string,
    args: Record<string, unknown> = {},
    options: CallToolOptions = {},
  ): Promise<McpToolResult> {
    return (await this.handle(server)).callTool(tool, args, options);
  }

  /** The server's tools (starts it if needed); cached until it announces a change. */
  async listTools(server: string, options: CallToolOptions & { refresh?: boolean } = {}): Promise<Tool[]> {
    return (await this.handle(server)).listTools(options);
  }

  /** The live session's server info (after the server has started). */
  async serverInfo(server: string) {
    return (await this.handle(server)).serverInfo;
  }

  /** Stops one server now; the next call starts it again. */
  async stop(server: string): Promise<void> {
    await this.handles.get(server)?.handle.stop();
  }

  /** Every configured server with its health, including servers never started. */
  status(): McpServerStatus[] {
    const out: McpServerStatus[] = [];
    const configured = this.lastConfig?.servers ?? {};
    for (const server of Object.values(configured)) {
      const entry = this.handles.get(server.name);
      if (entry) out.push(entry.handle.status());
      else {
        out.push({
          name: server.name,
          transport: server.transport,
          enabled: server.enabled,
          state: 'stopped',
          restarts: 0,
          active: 0,
          queued: 0,
          calls: { total: 0, errors: 0 },
        });
      }
    }
    return out;
  }

  /** Tools of the named servers and chains, ready to hand to a model, plus an executor. */
  async toolsFor(names: string[], options: ToolsetOptions = {}): Promise<McpToolset> {
    return buildToolset(this, await this.config(), names, options);
  }

  /** Stops every server and kills their process trees. The registry cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const handles = [...this.handles.values()].map((e) => e.handle);
    this.handles.clear();
    await Promise.all([...handles.map((h) => h.stop()), ...this.retiring]);
  }
}
