/**
 * Read access to `.mcp.tools.json` for `ai mcp list`. Discovery (the MCP framework) owns the file;
 * this reader exists because discovery's own reader pulls in the logger (~90 ms), too slow for a
 * listing that must start in well under 400 ms. Removal goes through discovery's writer.
 */
import { parse } from 'jsonc-parser';
import { readFileIfExists } from './atomic-write';

export interface CachedServerTools {
  tools: { name: string; description?: string; inputSchema?: Record<string, unknown> }[];
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

/** Removes a server's entry (through discovery's locked, atomic writer); returns whether there was one. */
export async function removeFromToolsCache(toolsPath: string, server: string): Promise<boolean> {
  const entries = await readToolsCache(toolsPath);
  if (!(server in entries)) return false;
  const { updateToolsFile } = require('../discovery/tools-file') as typeof import('../discovery/tools-file');
  await updateToolsFile(toolsPath, (file) => {
    delete file.servers[server];
  });
  return true;
}

function serverEntries(root: unknown): Record<string, unknown> {
  if (!isObject(root)) return {};
  return isObject(root.servers) ? root.servers : root;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
