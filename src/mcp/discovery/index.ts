/** Tool discovery and the `.mcp.tools.json` cache. */
export {
  discoverTools,
  defaultToolsPath,
  isFresh,
  type DiscoverToolsOptions,
  type DiscoveryResult,
} from './discover';
export { McpToolCatalog, getAvailableTools, type McpToolCatalogOptions } from './catalog';
export { readToolsFile, type ToolsFile, type ToolsFileEntry, type DiscoveredTool } from './tools-file';
