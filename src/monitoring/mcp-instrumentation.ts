/**
 * MCP: per-tool call latency and errors from the registry's `toolCalled` event. The
 * registry emits nothing on server start, so startup time is recorded by whoever
 * starts servers through `recordMcpStartup` (see the report: a `serverStarted` event
 * on the registry would make this automatic).
 */
import type { McpToolCallRecord } from '../mcp/registry/types';
import type { Instruments } from './instruments';

export interface ToolCallSource {
  on(event: 'toolCalled', listener: (call: McpToolCallRecord) => void): unknown;
  off(event: 'toolCalled', listener: (call: McpToolCallRecord) => void): unknown;
}

export function observeMcpRegistry(registry: ToolCallSource, instruments: Instruments): () => void {
  const onCall = (call: McpToolCallRecord) =>
    instruments.record(
      'mcp_call',
      `${call.server}.${call.tool}`,
      call.durationMs,
      call.errorCode ?? (call.isError ? 'MCP_TOOL_ERROR' : undefined),
    );
  registry.on('toolCalled', onCall);
  return () => registry.off('toolCalled', onCall);
}

export function recordMcpStartup(
  instruments: Instruments,
  server: string,
  ms: number,
  errorCode?: string,
): void {
  instruments.record('mcp_startup', server, ms, errorCode);
}
