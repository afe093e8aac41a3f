/**
 * Read and prune access to `.mcp.tools.json` for the CLI's listing and removal. Discovery (the MCP
 * framework) owns writing it; this module only reads entries and drops a removed server's entry.
 */
import { applyEdits, modify, parse } from 'jsonc-parser';
import { readFileIfExists, writeFileAtomic } from './atomic-write';

export interface CachedServerTools {
  tools: { name: string; description?: string }[];
  discoveredAt?: string;
}

/** Entries keyed by server name; tolerates a missing or unreadable cache (it is only a cache). */
export async function readToolsCache(toolsPath: string): Promise<Record<string, CachedServerTools>> {
  const text = await readFileIfExists(toolsPath).catch(() => undefined);
  if (text === undefined) return {};
  const root = parse(text) as unknown;
  const entries = serverEntries(root);
  const out: Record<string, CachedServerTools> = {};
  for (const [name, value] of Object.entries(entries)) {
    const entry = value as { tools?: unknown; discoveredAt?: unknown };
    if (!entry || !Array.isArray(entry.tools)) continue;
    out[name] = {
      tools: entry.tools as CachedServerTools['tools'],
      discoveredAt: typeof entry.discoveredAt === 'string' ? entry.discoveredAt : undefined,
    };
  }
  return out;
}

/** Removes a server's entry; returns whether there was one. */
export async function removeFromToolsCache(toolsPath: string, server: string): Promise<boolean> {
  const text = await readFileIfExists(toolsPath);
  if (text === undefined) return false;
  const root = parse(text) as unknown;
  const nested = isObject(root) && isObject(root.servers);
  const entries = serverEntries(root);
  if (!(server in entries)) return false;
  const edits = modify(text, nested ? ['servers', server] : [server], undefined, {
    formattingOptions: { insertSpaces: true, tabSize: 2 },
  });
  await writeFileAtomic(toolsPath, applyEdits(text, edits));
  return true;
}

function serverEntries(root: unknown): Record<string, unknown> {
  if (!isObject(root)) return {};
  return isObject(root.servers) ? root.servers : root;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
