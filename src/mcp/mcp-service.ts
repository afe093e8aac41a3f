/**
 * `McpService`: what the rest of the app calls for MCP. It owns the process's registry (live config
 * from `.mcp.json`, servers started lazily) and tool catalog, and serves three callers:
 * - the conversation service, through `prepareTools`: AI SDK tools for the requested
 *   servers and chains, pre-step context, and a record of every call the model made;
 * - the GraphQL layer: server status, cached tool lists, refresh and a diagnostic call;
 * - the runtime's shutdown, through `close` (kills every server's process tree).
 * Every tool call it makes is dispatched as `MCPToolExecuted`; a call slower than the threshold
 * (500 ms) also raises `PerformanceThresholdExceeded` — here when monitoring is off, otherwise by
 * monitoring, which deduplicates it with its cooldown (`slowCallMs: null`).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { ToolSet } from 'ai';
import { z } from 'zod';

import type { Caller } from '../auth/roles';
import { DEFAULT_MAX_TOOL_STEPS, MAX_TOOL_STEPS } from '../conversations/send-message-input';
import { createEvent, type EventBus } from '../events';
import { AppError, ValidationError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { resultText, toAiTools, type RecordedToolCall } from './ai-tools';
import { fillTemplate, runPreSteps, type PreStepResult } from './chains/pre-steps';
import type { TransportFactory } from './client/open-session';
import {
  buildMcpConfig,
  configVisibleTo,
  McpConfigStore,
  resolveTargets,
  type McpConfig,
  type McpTransportKind,
} from './config';
import { McpToolCatalog, readToolsFile, type DiscoveredTool } from './discovery';
import { McpRegistry, type McpServerState } from './registry';

export const SLOW_TOOL_CALL_MS = 500;

export interface McpServiceDeps {
  /** Path of `.mcp.json`; a missing file means no servers (the file may appear later). */
  configPath: string;
  toolsPath?: string;
  events: EventBus;
  logger: Logger;
  transportFactory?: TransportFactory;
  /** Default step limit of a request's tool loop (model calls). */
  maxSteps?: number;
  /** `null`: performance monitoring raises slow-call alerts (one per cooldown), so none here. */
  slowCallMs?: number | null;
}

export interface McpServerView {
  name: string;
  transport: McpTransportKind | 'custom';
  enabled: boolean;
  status: McpServerState;
  /** Live count when the server runs, else the discovery cache's, else null (never discovered). */
  toolCount: number | null;
  lastError: { code: string; message: string; at: string } | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  calls: number;
  restarts: number;
}

/** A discovered tool and the server that offers it. */
export type McpToolView = DiscoveredTool & { server: string };

export interface PrepareToolsOptions {
  /** The user's message: chain pre-steps run over it. */
  message?: string;
  requestId?: string;
  /** Fail when a requested server cannot be reached (default: leave its tools out). */
  requireTools?: boolean;
  /** Step limit of the tool loop (model calls), 1–50. */
  maxSteps?: number;
  signal?: AbortSignal;
}

export interface PreparedTools {
  tools: ToolSet;
  /** Pre-step results ready to add to the system prompt ('' when none). */
  context: string;
  preSteps: PreStepResult[];
  /** Requested servers left out because they could not be reached. */
  unavailable: { server: string; code: string; message: string }[];
  /** Every call the model makes, appended as they finish: record these on the message. */
  calls: RecordedToolCall[];
  maxSteps: number;
}

export interface McpCallOutcome {
  server: string;
  tool: string;
  isError: boolean;
  text: string;
  content: unknown[];
  structuredContent: Record<string, unknown> | null;
  durationMs: number;
}

const name = z.string().trim().min(1, 'is required').max(128);
const prepareSchema = z.object({
  servers: z.array(name).min(1, 'name at least one server or chain').max(20),
  maxSteps: z.number().int().min(1).max(MAX_TOOL_STEPS).optional(),
});
const callSchema = z.object({
  server: name,
  tool: name,
  arguments: z.record(z.unknown()).default({}),
});

function parse<T extends z.ZodTypeAny>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((i) => ({ field: i.path.join('.') || 'input', message: i.message })),
    );
  }
  return result.data;
}

interface CallContext {
  organizationId: string | null;
  requestId: string | null;
}

export class McpService {
  readonly registry: McpRegistry;
  readonly catalog: McpToolCatalog;
  private readonly store: McpConfigStore;
  private readonly configFile: string;
  private emptyConfig?: McpConfig;

  constructor(private readonly deps: McpServiceDeps) {
    this.configFile = path.resolve(deps.configPath);
    this.store = new McpConfigStore(this.configFile);
    this.registry = new McpRegistry({
      config: () => this.currentConfig(),
      logger: deps.logger,
      transportFactory: deps.transportFactory,
    });
    this.catalog = new McpToolCatalog({
      configPath: this.configFile,
      toolsPath: deps.toolsPath,
      registry: this.registry,
      logger: deps.logger,
    });
  }

  private async currentConfig(): Promise<McpConfig> {
    try {
      await access(this.configFile);
    } catch {
      this.emptyConfig ??= buildMcpConfig('{}', this.configFile, {});
      return this.emptyConfig;
    }
    return this.store.current();
  }

  /** The configuration as the caller's organisation sees it (see config/visibility). */
  private async configFor(caller: Caller): Promise<McpConfig> {
    return configVisibleTo(await this.registry.config(), caller.organizationId);
  }

  /** Every server the caller's organisation may use, with its health and call latency. */
  async servers(caller: Caller): Promise<McpServerView[]> {
    const config = await this.configFor(caller);
    const cache = await readToolsFile(this.catalog.toolsPath, this.deps.logger);
    return this.registry
      .status()
      .filter((s) => config.servers[s.name])
      .map((s) => ({
        name: s.name,
        transport: s.transport,
        enabled: s.enabled,
        status: s.state,
        toolCount: s.toolCount ?? cache.servers[s.name]?.tools.length ?? null,
        lastError: s.lastError ?? null,
        p50LatencyMs: s.calls.p50Ms ?? null,
        p95LatencyMs: s.calls.p95Ms ?? null,
        calls: s.calls.total,
        restarts: s.restarts,
      }));
  }

  private async requireServer(caller: Caller, server: string): Promise<string> {
    const config = await this.configFor(caller);
    const known = parse(name, server);
    if (!config.servers[known]) {
      throw new AppError('NOT_FOUND', `No MCP server named "${known}" is configured.`, {
        details: { server: known },
      });
    }
    return known;
  }

  /** A server's or chain's servers, each with the filter of the tools visible through it. */
  private async targets(caller: Caller, serverOrChain: string) {
    const config = await this.configFor(caller);
    const known = parse(name, serverOrChain);
    if (!config.servers[known] && !config.chains[known]) {
      throw new AppError('NOT_FOUND', `No MCP server or chain named "${known}" is configured.`, {
        details: { server: known },
      });
    }
    return { name: known, servers: resolveTargets(config, [known]).servers };
  }

  /**
   * The tools of a server, or of a chain's servers after its allow/deny lists, from the discovery
   * cache (discovered first when stale).
   */
  async tools(caller: Caller, serverOrChain: string): Promise<McpToolView[]> {
    const targets = await this.targets(caller, serverOrChain);
    const out: McpToolView[] = [];
    for (const [server, visible] of targets.servers) {
      const tools = await this.catalog.getAvailableTools(server);
      out.push(...tools.filter((t) => visible(t.name)).map((t) => ({ ...t, server })));
    }
    return out;
  }

  /** Lists the tools of a server (or a chain's servers) now, rewriting their cache entries. */
  async refreshTools(caller: Caller, serverOrChain: string): Promise<McpToolView[]> {
    const targets = await this.targets(caller, serverOrChain);
    // Only the servers the caller may see: a chain's hidden members are neither started nor listed.
    const results = await this.catalog.discover({ servers: [...targets.servers.keys()], force: true });
    const failed = results.find((r) => !r.ok);
    if (failed) {
      throw (
        failed.error ??
        new AppError('MCP_SERVER_UNAVAILABLE', `Could not list the tools of "${failed.server}".`)
      );
    }
    return results.flatMap((r) => {
      const visible = targets.servers.get(r.server);
      return visible ? r.tools.filter((t) => visible(t.name)).map((t) => ({ ...t, server: r.server })) : [];
    });
  }

  /** A diagnostic call: the tool's answer (tool-reported errors included) or the call's failure. */
  async callTool(caller: Caller, input: { server: string; tool: string; arguments?: unknown }) {
    const args = parse(callSchema, input);
    const server = await this.requireServer(caller, args.server);
    const context: CallContext = { organizationId: caller.organizationId, requestId: null };
    const argumentBytes = Buffer.byteLength(JSON.stringify(args.arguments));
    const started = performance.now();
    try {
      const result = await this.registry.callTool(server, args.tool, args.arguments);
      const durationMs = performance.now() - started;
      await this.recordCall(context, {
        server,
        tool: args.tool,
        durationMs,
        argumentBytes,
        isError: Boolean(result.isError),
      });
      return {
        server,
        tool: args.tool,
        isError: Boolean(result.isError),
        text: resultText(result),
        content: result.content ?? [],
        structuredContent: result.structuredContent ?? null,
        durationMs,
      } satisfies McpCallOutcome;
    } catch (error) {
      await this.recordCall(context, {
        server,
        tool: args.tool,
        durationMs: performance.now() - started,
        argumentBytes,
        isError: true,
      });
      throw error;
    }
  }

  /**
   * Tools for one model request: the servers' and chains' tools as AI SDK tools, pre-step
   * context, and the live list of calls the model makes. Throws MCP_SERVER_UNAVAILABLE for a dead
   * server only with `requireTools`.
   */
  async prepareTools(
    servers: string[],
    caller: Caller,
    options: PrepareToolsOptions = {},
  ): Promise<PreparedTools> {
    const input = parse(prepareSchema, { servers, maxSteps: options.maxSteps });
    const context: CallContext = {
      organizationId: caller.organizationId,
      requestId: options.requestId ?? null,
    };
    const config = await this.configFor(caller);
    const unknown = input.servers.filter((s) => !config.servers[s] && !config.chains[s]);
    if (unknown.length > 0) {
      throw new ValidationError(
        unknown.map((s) => ({ field: 'mcpServers', message: `no MCP server or chain named "${s}"` })),
      );
    }
    const toolset = await this.registry.toolsFor(input.servers, {
      requireTools: options.requireTools,
      signal: options.signal,
      organizationId: caller.organizationId,
    });
    for (const { server, error } of toolset.unavailable) {
      this.deps.logger.warn(
        { mcpServer: server, code: error.code, err: error.message, requestId: context.requestId },
        'MCP server unavailable; its tools are left out of the request',
      );
    }
    const calls: RecordedToolCall[] = [];
    const tools = toAiTools(toolset, {
      onExecuted: async (call) => {
        calls.push(call);
        await this.recordCall(context, call);
      },
    });
    let preSteps: PreStepResult[] = [];
    let preContext = '';
    if (toolset.preSteps.length > 0 && options.message !== undefined) {
      const outcome = await runPreSteps(this.registry, toolset.preSteps, { message: options.message });
      preSteps = outcome.results;
      preContext = outcome.context;
      for (const [i, step] of outcome.results.entries()) {
        await this.recordCall(context, {
          server: step.server,
          tool: step.tool,
          durationMs: step.durationMs,
          argumentBytes: Buffer.byteLength(
            JSON.stringify(fillTemplate(toolset.preSteps[i]?.arguments ?? {}, options.message)),
          ),
          isError: !step.ok,
        });
      }
    }
    return {
      tools,
      context: preContext,
      preSteps,
      unavailable: toolset.unavailable.map(({ server, error }) => ({
        server,
        code: error.code,
        message: error.message,
      })),
      calls,
      maxSteps: input.maxSteps ?? this.deps.maxSteps ?? DEFAULT_MAX_TOOL_STEPS,
    };
  }

  /** `MCPToolExecuted` for every call, and `PerformanceThresholdExceeded` for a slow one. */
  private async recordCall(
    context: CallContext,
    call: { server: string; tool: string; durationMs: number; argumentBytes: number; isError: boolean },
  ): Promise<void> {
    const threshold = this.deps.slowCallMs === undefined ? SLOW_TOOL_CALL_MS : this.deps.slowCallMs;
    const durationMs = Math.max(0, call.durationMs);
    // A failed dispatch must not turn a finished tool call into a failed one: log and go on.
    try {
      await this.deps.events.dispatch(
        createEvent('MCPToolExecuted', {
          organizationId: context.organizationId,
          requestId: context.requestId,
          server: call.server || 'unknown',
          tool: call.tool,
          durationMs,
          argumentBytes: call.argumentBytes,
          isError: call.isError,
        }),
      );
      if (threshold !== null && durationMs > threshold) {
        await this.deps.events.dispatch(
          createEvent('PerformanceThresholdExceeded', {
            organizationId: context.organizationId,
            metric: 'mcp.tool_call.duration_ms',
            value: Math.round(durationMs),
            threshold,
            subject: `${call.server}/${call.tool}`,
          }),
        );
      }
    } catch (error) {
      this.deps.logger.error(
        { err: (error as Error).message, mcpServer: call.server, tool: call.tool },
        'could not dispatch the MCP tool-call events',
      );
    }
  }

  /** Stops every server and kills their process trees; waits for pending cache writes. */
  async close(): Promise<void> {
    this.catalog.dispose();
    await this.registry.close();
    await this.catalog.flush();
  }
}
