/**
 * Tools for a model request: the tools of the requested servers and chains (after each chain's
 * allow/deny lists), named `tool`, or `server__tool` when two servers offer the same name, plus an
 * executor that routes a model's tool call back to the right server. The executor turns every
 * failure into a tool-error result the model can read; a dead server only fails the request when
 * the caller asked for `requireTools`.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError, isAppError } from '../../shared/errors';
import { resolveTargets } from '../config/chains';
import { configVisibleTo } from '../config/visibility';
import type { McpConfig, McpPreStep } from '../config/types';
import type { McpRegistry } from './registry';
import type { CallToolOptions } from './types';

/** The parts of an MCP tool a model needs; both live `Tool`s and cached entries fit. */
export interface ToolLike {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export interface McpToolDefinition {
  /** The name to show the model; unique within the toolset. */
  name: string;
  server: string;
  tool: string;
  description?: string;
  inputSchema: ToolLike['inputSchema'];
  outputSchema?: ToolLike['outputSchema'];
  annotations?: ToolLike['annotations'];
}

export interface McpToolExecution {
  name: string;
  server: string;
  tool: string;
  result: CallToolResult;
  isError: boolean;
  /** Set when the call itself failed (server down, timeout, ...), not when the tool reported an error. */
  errorCode?: string;
  durationMs: number;
  argumentBytes: number;
}

export interface ToolsetOptions {
  /** Fail (throw) instead of leaving out a server that cannot be reached. */
  requireTools?: boolean;
  signal?: AbortSignal;
  /**
   * Where tool lists come from; default the live servers (`registry.listTools`). Pass the
   * discovery cache (`(s) => catalog.getAvailableTools(s)`) to build the toolset without
   * starting servers until a tool is actually called.
   */
  listTools?: (server: string) => Promise<ToolLike[]>;
  /** Leave out servers this organisation may not use (their `organizations` list). */
  organizationId?: string;
}

export interface McpToolset {
  tools: McpToolDefinition[];
  /** Servers whose tools could not be listed; their tools are missing from `tools`. */
  unavailable: { server: string; error: AppError }[];
  /** Pre-steps declared by the chains that were used (see `runPreSteps`). */
  preSteps: McpPreStep[];
  execute(name: string, args: Record<string, unknown>, options?: CallToolOptions): Promise<McpToolExecution>;
}

const NAME_MAX = 64;

/** Model APIs accept `[A-Za-z0-9_-]{1,64}` as function names. */
export function toolNameFor(server: string, tool: string, namespaced: boolean): string {
  const raw = namespaced ? `${server}__${tool}` : tool;
  return raw.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, NAME_MAX);
}

function errorResult(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

export async function buildToolset(
  registry: McpRegistry,
  config: McpConfig,
  names: string[],
  options: ToolsetOptions = {},
): Promise<McpToolset> {
  const scoped = options.organizationId ? configVisibleTo(config, options.organizationId) : config;
  const targets = resolveTargets(scoped, names);
  const unavailable: McpToolset['unavailable'] = [];
  const listed = await Promise.all(
    [...targets.servers].map(async ([server, filter]) => {
      try {
        const tools = options.listTools
          ? await options.listTools(server)
          : await registry.listTools(server, { signal: options.signal });
        return { server, tools: (tools as ToolLike[]).filter((t) => filter(t.name)) };
      } catch (error) {
        const appError = isAppError(error) ? error : new AppError('MCP_SERVER_UNAVAILABLE', String(error));
        if (options.requireTools) throw appError;
        unavailable.push({ server, error: appError });
        return { server, tools: [] as ToolLike[] };
      }
    }),
  );

  const count = new Map<string, number>();
  for (const { tools } of listed) for (const t of tools) count.set(t.name, (count.get(t.name) ?? 0) + 1);
  const tools: McpToolDefinition[] = [];
  const byName = new Map<string, McpToolDefinition>();
  for (const { server, tools: serverTools } of listed) {
    for (const t of serverTools) {
      const def: McpToolDefinition = {
        name: toolNameFor(server, t.name, (count.get(t.name) ?? 0) > 1),
        server,
        tool: t.name,
        description: t.description,
        inputSchema: t.inputSchema,
        outputSchema: t.outputSchema,
        annotations: t.annotations,
      };
      tools.push(def);
      byName.set(def.name, def);
    }
  }

  const execute: McpToolset['execute'] = async (name, args, callOptions = {}) => {
    const def = byName.get(name);
    const argumentBytes = Buffer.byteLength(JSON.stringify(args ?? {}));
    const started = performance.now();
    if (!def) {
      return {
        name,
        server: '',
        tool: name,
        result: errorResult(`Unknown tool "${name}". Available: ${[...byName.keys()].join(', ') || 'none'}`),
        isError: true,
        errorCode: 'NOT_FOUND',
        durationMs: 0,
        argumentBytes,
      };
    }
    try {
      const result = await registry.callTool(def.server, def.tool, args ?? {}, callOptions);
      return {
        ...def,
        result,
        isError: Boolean(result.isError),
        durationMs: performance.now() - started,
        argumentBytes,
      };
    } catch (error) {
      const appError = isAppError(error) ? error : new AppError('MCP_TOOL_ERROR', String(error));
      if (options.requireTools && appError.code === 'MCP_SERVER_UNAVAILABLE') throw appError;
      return {
        name: def.name,
        server: def.server,
        tool: def.tool,
        result: errorResult(`Tool call failed (${appError.code}): ${appError.message}`),
        isError: true,
        errorCode: appError.code,
        durationMs: performance.now() - started,
        argumentBytes,
      };
    }
  };

  return { tools, unavailable, preSteps: targets.preSteps, execute };
}
