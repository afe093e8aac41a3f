/** `.mcp.json`: loading, validation, variable expansion, chains and live reload. */
export * from './types';
export { McpConfigError, isMcpConfigError, type McpConfigErrorDetails } from './errors';
export {
  loadMcpConfig,
  inspectMcpConfig,
  unsetVariables,
  buildMcpConfig,
  loadExpansionEnv,
  type LoadMcpConfigOptions,
} from './load';
export { resolveTargets, type ResolvedTargets, type ToolFilter } from './chains';
export { configVisibleTo, serverVisibleTo } from './visibility';
export { McpConfigStore } from './config-store';
export { splitCommand } from './command';
