/**
 * MCP: per-tool call latency and errors from the registry's `toolCalled` event, and
 * startup time per server from its `serverStarted` event (failed starts counted by
 * code). A call slower than the MCP threshold is handed to `onSlowCall` at once: the
 * monitoring service sends it through the detector's cooldown, so a slow tool alerts
 * once per cooldown whether the single call or the window's p95 sees it first.
 */
import type { McpServerStartRecord, McpToolCallRecord } from '../mcp/registry/types';
import type { Instruments } from './instruments';

export interface McpEventSource {
  on(event: 'toolCalled', listener: (call: McpToolCallRecord) => void): unknown;
  on(event: 'serverStarted', listener: (start: McpServerStartRecord) => void): unknown;
  off(event: 'toolCalled', listener: (call: McpToolCallRecord) => void): unknown;
  off(event: 'serverStarted', listener: (start: McpServerStartRecord) => void): unknown;
}

export interface McpObserverOptions {
  /** Calls above this many ms go to `onSlowCall`. */
  slowCallMs?: number;
  onSlowCall?: (call: McpToolCallRecord, subject: string) => void;
}

export const mcpCallSubject = (call: Pick<McpToolCallRecord, 'server' | 'tool'>) =>
  `${call.server}.${call.tool}`;

export function observeMcpRegistry(
  registry: McpEventSource,
  instruments: Instruments,
  options: McpObserverOptions = {},
): () => void {
  const onCall = (call: McpToolCallRecord) => {
    const subject = mcpCallSubject(call);
    instruments.record(
      'mcp_call',
      subject,
      call.durationMs,
      call.errorCode ?? (call.isError ? 'MCP_TOOL_ERROR' : undefined),
    );
    if (options.slowCallMs !== undefined && call.durationMs > options.slowCallMs)
      options.onSlowCall?.(call, subject);
  };
  const onStart = (start: McpServerStartRecord) =>
    instruments.record(
      'mcp_startup',
      start.server,
      start.durationMs,
      start.ok ? undefined : (start.errorCode ?? 'MCP_SERVER_UNAVAILABLE'),
    );
  registry.on('toolCalled', onCall);
  registry.on('serverStarted', onStart);
  return () => {
    registry.off('toolCalled', onCall);
    registry.off('serverStarted', onStart);
  };
}
