/**
 * The normalised shape of `.mcp.json`: whatever form a server was written in (`servers` design form
 * or `mcpServers` client form), the rest of the product sees only these types.
 */

export type McpTransportKind = 'stdio' | 'http' | 'sse';

export interface McpTimeouts {
  /** Spawn/connect plus the `initialize` handshake. A cold `npx` start needs far longer than a call. */
  startupMs: number;
  /** One `tools/call` (or `tools/list`), including time spent queued behind `maxConcurrent`. */
  callMs: number;
  /** A server with no call in flight for this long is shut down; 0 keeps it running. */
  idleMs: number;
}

export interface McpServerConfig {
  name: string;
  transport: McpTransportKind;
  /** stdio: executable, looked up on PATH. */
  command?: string;
  args: string[];
  /** stdio: added to PATH/HOME/... (the child does NOT inherit the whole parent environment). */
  env: Record<string, string>;
  cwd?: string;
  /** http/sse: endpoint. */
  url?: string;
  headers: Record<string, string>;
  enabled: boolean;
  timeouts: McpTimeouts;
  maxConcurrent: number;
  retryAttempts: number;
  /** Server-specific settings from the design form, passed through untouched. */
  config: Record<string, unknown>;
  /**
   * Organisations allowed to use the server (requests, listings, diagnostics); null means every
   * organisation. A server outside the caller's list behaves as if it were not configured.
   */
  organizations: string[] | null;
  /** Which top-level key the entry came from. */
  source: 'servers' | 'mcpServers';
  /** Names of the `${VAR}` references in this entry, so a caller can report unset ones. */
  variables: string[];
}

export interface McpPreStep {
  server: string;
  tool: string;
  /** Any string value may contain `{{message}}`, replaced by the user's message at run time. */
  arguments: Record<string, unknown>;
  /** Label used when the result is handed to the model as context. */
  label?: string;
}

export interface McpChainConfig {
  name: string;
  /** Server or chain names. */
  servers: string[];
  /** Tool patterns (`tool`, `server__tool`, `*` wildcards). Empty means every tool. */
  allowTools: string[];
  denyTools: string[];
  preSteps: McpPreStep[];
}

export interface McpGlobalConfig {
  timeoutMs: number;
  startupTimeoutMs: number;
  idleTimeoutMs: number;
  maxConcurrent: number;
  retryAttempts: number;
  toolDiscoveryCacheTtlMs: number;
}

export interface McpConfig {
  /** Absolute path of the file this came from. */
  file: string;
  global: McpGlobalConfig;
  servers: Record<string, McpServerConfig>;
  chains: Record<string, McpChainConfig>;
  /** False when read without variable expansion: strings still hold `${VAR}` templates. */
  expanded: boolean;
}

export const DEFAULT_GLOBAL_CONFIG: McpGlobalConfig = {
  timeoutMs: 30_000,
  startupTimeoutMs: 60_000,
  idleTimeoutMs: 300_000,
  maxConcurrent: 3,
  retryAttempts: 2,
  toolDiscoveryCacheTtlMs: 3_600_000,
};
