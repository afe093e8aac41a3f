/**
 * Which MCP servers an organisation may use. `.mcp.json` is deployment configuration, so by
 * default every organisation sees every server; a server with an `organizations` list is
 * reserved to those organisations. For everyone else it does not exist: it is missing from
 * listings, its name is unknown, and chains that include it simply go without it (a chain left
 * with no member disappears too). Pre-steps on a hidden server are dropped.
 */
import type { McpConfig, McpServerConfig } from './types';

export function serverVisibleTo(server: McpServerConfig, organizationId: string): boolean {
  return server.organizations === null || server.organizations.includes(organizationId);
}

/** The configuration as one organisation sees it. */
export function configVisibleTo(config: McpConfig, organizationId: string): McpConfig {
  const servers = Object.fromEntries(
    Object.entries(config.servers).filter(([, server]) => serverVisibleTo(server, organizationId)),
  );
  if (Object.keys(servers).length === Object.keys(config.servers).length) return config;

  // Chains are acyclic (checked at load), so a memoised depth-first walk settles each chain once.
  const visible = new Map<string, boolean>();
  const chainVisible = (name: string): boolean => {
    const known = visible.get(name);
    if (known !== undefined) return known;
    const chain = config.chains[name]!;
    const result = chain.servers.some((member) =>
      config.chains[member] ? chainVisible(member) : member in servers,
    );
    visible.set(name, result);
    return result;
  };
  const chains: McpConfig['chains'] = {};
  for (const [name, chain] of Object.entries(config.chains)) {
    if (!chainVisible(name)) continue;
    chains[name] = {
      ...chain,
      servers: chain.servers.filter((member) =>
        config.chains[member] ? chainVisible(member) : member in servers,
      ),
      preSteps: chain.preSteps.filter((step) => step.server in servers),
    };
  }
  return { ...config, servers, chains };
}
