/**
 * Chains: named groups of servers (and other chains) with tool allow/deny lists and pre-steps.
 * Validation rejects unknown members and cycles; resolution turns any mix of server and chain
 * names into the servers to use and, per server, which of its tools are visible.
 */
import { McpConfigError } from './errors';
import { fieldPath, rawChainSchema } from './schema';
import type { McpChainConfig, McpConfig, McpServerConfig } from './types';

export function parseChains(
  raw: Record<string, unknown>,
  servers: Record<string, McpServerConfig>,
  file: string,
): Record<string, McpChainConfig> {
  const chains: Record<string, McpChainConfig> = {};
  for (const [name, entry] of Object.entries(raw)) {
    const parsed = rawChainSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = fieldPath(['chains', name, ...(issue?.path ?? [])]);
      throw new McpConfigError(`chain "${name}": ${field}: ${issue?.message}`, { file, field, chain: name });
    }
    if (servers[name]) {
      throw new McpConfigError(`chain "${name}" has the same name as a server`, {
        file,
        field: `chains.${name}`,
        chain: name,
      });
    }
    chains[name] = { name, ...parsed.data };
  }
  for (const chain of Object.values(chains)) {
    chain.servers.forEach((member, i) => {
      if (!servers[member] && !chains[member]) {
        throw new McpConfigError(`chain "${chain.name}": "${member}" is neither a server nor a chain`, {
          file,
          field: `chains.${chain.name}.servers[${i}]`,
          chain: chain.name,
        });
      }
    });
    chain.preSteps.forEach((step, i) => {
      if (!servers[step.server]) {
        throw new McpConfigError(`chain "${chain.name}": pre-step server "${step.server}" is not a server`, {
          file,
          field: `chains.${chain.name}.preSteps[${i}].server`,
          chain: chain.name,
        });
      }
    });
  }
  for (const name of Object.keys(chains)) findCycle(name, chains, [], file);
  return chains;
}

function findCycle(name: string, chains: Record<string, McpChainConfig>, path: string[], file: string): void {
  if (path.includes(name)) {
    const cycle = [...path.slice(path.indexOf(name)), name].join(' -> ');
    throw new McpConfigError(`chain cycle: ${cycle}`, { file, field: `chains.${name}.servers`, chain: name });
  }
  const chain = chains[name];
  if (!chain) return;
  for (const member of chain.servers) findCycle(member, chains, [...path, name], file);
}

/** `*` matches any run of characters; everything else is literal. */
function matches(pattern: string, server: string, tool: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(tool) || re.test(`${server}__${tool}`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

export type ToolFilter = (tool: string) => boolean;

export interface ResolvedTargets {
  /** Server name -> which of its tools are visible through the requested names. */
  servers: Map<string, ToolFilter>;
  /** Pre-steps of every chain reached, outermost first, without duplicates. */
  preSteps: McpChainConfig['preSteps'];
}

/**
 * Resolves server and chain names. A nested chain's filters apply to its own members and the
 * outer chain's filters apply on top; a server reached by two paths sees the union of both.
 */
export function resolveTargets(
  config: Pick<McpConfig, 'servers' | 'chains'>,
  names: string[],
): ResolvedTargets {
  const servers = new Map<string, ToolFilter>();
  const preSteps: McpChainConfig['preSteps'] = [];
  const seenChains = new Set<string>();
  const all: ToolFilter = () => true;

  const visit = (name: string, filter: ToolFilter, via: string[]) => {
    const chain = config.chains[name];
    if (chain) {
      if (via.includes(name)) return;
      if (!seenChains.has(name)) {
        seenChains.add(name);
        preSteps.push(...chain.preSteps);
      }
      for (const member of chain.servers) {
        const inner = (server: string): ToolFilter => {
          return (tool) =>
            filter(tool) &&
            (chain.allowTools.length === 0 || chain.allowTools.some((p) => matches(p, server, tool))) &&
            !chain.denyTools.some((p) => matches(p, server, tool));
        };
        if (config.chains[member]) visitChainMember(member, inner, [...via, name]);
        else addServer(member, inner(member));
      }
      return;
    }
    if (!config.servers[name]) {
      throw new McpConfigError(`"${name}" is neither a configured server nor a chain`, {
        file: 'file' in config ? String(config.file) : '.mcp.json',
        server: name,
      });
    }
    addServer(name, filter);
  };

  // A nested chain's members are servers whose filter depends on the server name, so the outer
  // per-server filter is applied once each member server is known.
  const visitChainMember = (member: string, outer: (server: string) => ToolFilter, via: string[]) => {
    const before = new Map(servers);
    servers.clear();
    visit(member, all, via);
    const reached = new Map(servers);
    servers.clear();
    for (const [k, v] of before) servers.set(k, v);
    for (const [server, innerFilter] of reached) {
      const outerFilter = outer(server);
      addServer(server, (tool) => innerFilter(tool) && outerFilter(tool));
    }
  };

  const addServer = (server: string, filter: ToolFilter) => {
    const existing = servers.get(server);
    servers.set(server, existing ? (tool) => existing(tool) || filter(tool) : filter);
  };

  for (const name of names) visit(name, all, []);
  return { servers, preSteps };
}
