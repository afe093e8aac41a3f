/** Public shapes of the registry: call options, results and per-server status. */
import type { CallToolResult, Implementation, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { McpTransportKind } from '../config/types';

export type McpServerState = 'stopped' | 'starting' | 'ready' | 'failed';

export interface CallToolOptions {
  signal?: AbortSignal;
  /** Overrides the server's call timeout; covers queueing behind `maxConcurrent` and the call. */
  timeoutMs?: number;
}

export type McpToolResult = CallToolResult;
export type McpTool = Tool;

export interface McpServerStatus {
  name: string;
  transport: McpTransportKind | 'custom';
  enabled: boolean;
  state: McpServerState;
  lastError?: { code: string; message: string; at: string };
  pid?: number;
  serverInfo?: Implementation;
  toolCount?: number;
  startedAt?: string;
  restarts: number;
  active: number;
  queued: number;
  calls: { total: number; errors: number; p50Ms?: number; p95Ms?: number };
}

/** One finished tool call, as emitted by the registry's `toolCalled` event. */
export interface McpToolCallRecord {
  server: string;
  tool: string;
  /** Wall time seen by the caller: queueing, (re)start if needed, retries and the call. */
  durationMs: number;
  argumentBytes: number;
  isError: boolean;
  /** The `AppError` code when the call itself failed (absent when the tool returned `isError`). */
  errorCode?: string;
}

/** One server start, successful or not, as emitted by the registry's `serverStarted` event. */
export interface McpServerStartRecord {
  server: string;
  /** The transport used (after an HTTP to SSE fallback, `sse`); `custom` for injected transports. */
  transport: McpTransportKind | 'custom';
  /** From the start request to a ready session (process launch, connect, initialize) or failure. */
  durationMs: number;
  ok: boolean;
  /** The `AppError` code when the start failed. */
  errorCode?: string;
  /** True when the server had run before in this process (a restart after a crash or idle stop). */
  restart: boolean;
}
