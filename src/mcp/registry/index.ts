/** The live server registry: lifecycles, calls, status and toolsets for model requests. */
export {
  McpRegistry,
  type McpRegistryOptions,
  type McpConfigSource,
  type McpRegistryEvents,
} from './registry';
export {
  toolNameFor,
  type McpToolDefinition,
  type ToolLike,
  type McpToolExecution,
  type McpToolset,
  type ToolsetOptions,
} from './toolset';
export type {
  CallToolOptions,
  McpServerStartRecord,
  McpServerState,
  McpServerStatus,
  McpToolResult,
  McpTool,
  McpToolCallRecord,
} from './types';
export { restartDelayMs } from './backoff';
